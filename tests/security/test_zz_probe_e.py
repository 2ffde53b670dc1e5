from tests.web.conftest import app  # noqa: F401
from tests.security import crawl
import pytest
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_probe(app):
    seeded = crawl.seed(app, max_steps=6)
    ids = crawl.Ids.of(app, seeded)
    from flask import url_for
    clients = {u: crawl.login_client(app, u) for u in [None, *crawl.OWN_USERS, "khac_handling_officer", "khac_head_of_unit","khac_administrator","khac_supervisor"]}
    rows = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods: continue
        combos = crawl.fill(rule, ids) or [{}]
        if rule.endpoint == "vendor.asset": continue
        with app.test_request_context():
            # pick a combo of the denunciation where possible
            url = url_for(rule.endpoint, **combos[0]) if combos else None
        line = [rule.endpoint, url]
        for u, c in clients.items():
            r = c.get(url); line.append(f"{u}={r.status_code}"); r.close()
        print(" ".join(map(str, line)))
