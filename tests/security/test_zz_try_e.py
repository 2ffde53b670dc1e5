import time
from tests.web.conftest import app  # noqa: F401
from tests.security import crawl

def test_try(app, db_url):
    t=time.time()
    seeded = crawl.seed(app)
    print(seeded.steps, time.time()-t)
    ids = crawl.Ids.of(app, seeded)
    print(ids.values)
    c = crawl.Crawler(app, ids)
    n=0
    for page in c.crawl("xuly"):
        n+=1
    print(n, time.time()-t)
