"""What the workflow tests share: a filled report, transitions through the page's forms, reading
the workflow panel and the audit log back."""

from __future__ import annotations

import json

from .conftest import new_report
from .helpers import as_post, page, yunxi

JSON = {"Accept": "application/json"}


def filled(server, clerk: str, unit: str, year: int, **changes) -> tuple[object, int]:
    """A clerk's client and a report of ``year`` holding the example's data (version 2)."""
    c, rid = new_report(server, clerk, unit, year)
    data = yunxi() | {"year": year, "published": f"{year + 1}-01-20", **changes}
    r = c.post(f"/reports/{rid}/", {**as_post(data, "2021"), "base": "1"})
    assert r.status_code == 200, r.text[:300]
    return c, rid


def act(client, rid: int, action: str, **fields):
    return client.post(f"/reports/{rid}/act", {"action": action, **fields}, headers=JSON)


def state(server, rid: int) -> str:
    return server.shell(f"from reportkit.platform.models import Report; print(Report.objects.get(pk={rid}).state)").strip()


def versions(server, rid: int) -> int:
    return int(server.shell(f"from reportkit.platform.models import ReportVersion as V; "
                            f"print(V.objects.filter(report_id={rid}).count())").strip())


def events(server, rid: int) -> list[list]:
    """The audit events of report ``rid`` and of what hangs on it: [user, action, details]."""
    out = server.shell(
        "import json; from django.db.models import Q; from reportkit.platform.models import AuditEvent as A\n"
        f"q = Q(object_type='Report', object_id='{rid}') | Q(details__report={rid})\n"
        "print(json.dumps([[e.username, e.action, e.details, e.at.isoformat()] for e in "
        "A.objects.filter(q).order_by('id')], ensure_ascii=False))")
    return json.loads(out.strip().splitlines()[-1])


def panel_text(html: str) -> str:
    doc = page(html)
    sec = doc.find(".//section[@id='workflow']")
    assert sec is not None
    return "".join(sec.itertext())
