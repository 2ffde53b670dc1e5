"""A sealed denouncer never leaks through the API (issue 20, "Done when"): tokens of every role of
the own unit, and of another unit, read every API resource of the canary case (tests/security/
crawl.py seeds it: the identity typed into every free text, in many spellings); no response
carries the name, the ID number or the phone, in any field or header."""
from __future__ import annotations

import pytest

from engine.accounts import api_clients
from petitions.demo import DEMO_UNIT
from petitions.identity.matching import IdentityMatcher
from tests.security import crawl

UNITS = {DEMO_UNIT: "own", crawl.OTHER_UNIT: "other"}


def _urls(app, seeded: crawl.Seeded) -> list[str]:
    ids = crawl.Ids.of(app, seeded).values
    urls = ["/api/v1/petitions", "/api/v1/petitions/search", "/api/v1/reports?kind=year",
            "/api/v1/register/export?from=2026-01-01&to=2026-12-31",
            "/api/v1/processes", *(f"/api/v1/tasks?view={v}" for v in (
                "mine", "queue", "due_soon", "overdue", "done", "unit"))]
    # Searching the sealed name or number must find nothing either.
    urls += [f"/api/v1/petitions/search?q={q}" for q in (
        crawl.DENOUNCER.name, crawl.DENOUNCER.id_number, crawl.DENOUNCER.phone)]
    urls += [f"/api/v1/petitions/{p}" for p in ids["petition_id"]]
    urls += [f"/api/v1/petitions/{p}/documents/{d}" for p, d in ids["petition_doc"]]
    urls += [f"/api/v1/instances/{i}" for i in ids["instance_id"]]
    urls += [u for t in ids["task_id"] for u in (f"/api/v1/tasks/{t}", f"/api/v1/tasks/{t}/draft")]
    urls += [f"/api/v1/processes/{k}/versions" for k in ids["key"]]
    return urls


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_api_response_carries_a_sealed_identity(app):
    seeded = crawl.seed(app)
    ctx = app.extensions["petitions"]
    matcher = IdentityMatcher([crawl.DENOUNCER])
    urls = _urls(app, seeded)
    client = app.test_client()
    leaks, answered = [], {}
    for unit, side in UNITS.items():
        for role in crawl.ROLES:
            name = f"{side}-{role}".replace("_", "-")
            token = api_clients.create(ctx, name, unit, [role], actor="test")["token"]
            headers = {"Authorization": f"Bearer {token}"}
            queue, seen = list(urls), set()
            while queue:
                url = queue.pop(0)
                if url in seen:
                    continue
                seen.add(url)
                response = client.get(url, headers=headers)
                answered[(name, url)] = response.status_code
                assert response.status_code < 500, (name, url)
                for text in crawl.decoded_texts(response):
                    if matcher.contains(text) or any(
                            lit.lower() in text.lower() for lit in crawl.DENOUNCER_LITERALS):
                        leaks.append(f"{name} GET {url} → {response.status_code}")
                if response.is_json and (response.get_json() or {}).get("next") \
                        if isinstance(response.get_json(), dict) else False:
                    queue.append(response.get_json()["next"])
                response.close()
    assert not leaks, "\n".join(sorted(set(leaks)))
    # The crawl did read the sealed case: its own unit's handler got the file, the other unit not.
    den = f"/api/v1/petitions/{seeded.denunciation_id}"
    assert answered[("own-handling-officer", den)] == 200
    assert answered[("own-supervisor", f"/api/v1/petitions/search?q={crawl.DENOUNCER.name}")] \
        == 200
    assert answered[("other-handling-officer", den)] == 404
    assert answered[("other-administrator", den)] == 404
    # Positive control: the detector does find an identity the API may show (the complaint's
    # sender, not sealed, to its own unit).
    token = api_clients.create(ctx, "control", DEMO_UNIT, ["handling_officer"], actor="test")
    shown = client.get(f"/api/v1/petitions/{seeded.complaint_id}",
                       headers={"Authorization": f"Bearer {token['token']}"})
    assert IdentityMatcher([crawl.COMPLAINANT]).contains(shown.get_data(as_text=True))
