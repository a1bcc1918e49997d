"""What the platform tests share: the example as the page's inputs, parsing the page, waiting for a render."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from reportkit.platform import formpage

ROOT = Path(__file__).resolve().parent.parent.parent
YUNXI = ROOT / "examples" / "yunxi-zrzyj-2021.json"


def yunxi() -> dict:
    return json.loads(YUNXI.read_text(encoding="utf-8"))


def as_post(data: dict, edition: str) -> dict[str, str]:
    """``data`` as the form page posts it: one field per input name."""
    out = {}
    for name in formpage.page_names(edition, data):
        value = formpage._value(data, name)
        if value is None or isinstance(value, (dict, list)):
            continue
        out[name] = "on" if value is True else str(value)
    return out


def page(html: str):
    import html5lib

    return html5lib.parse(html, namespaceHTMLElements=False)


def at_cell(html: str, name: str) -> list[str]:
    """The findings the page shows at input ``name`` (its ``ul.at`` list)."""
    doc = page(html)
    ul = doc.find(f".//ul[@id='fx-{name}']")
    assert ul is not None, name
    return ["".join(li.itertext()) for li in ul.findall("li")]


def wait_render(client, job_url: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(job_url + "?format=json")
        assert r.status_code == 200, r.status_code
        job = r.json()
        if job["state"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, f"render did not finish: {job}"
        time.sleep(0.5)


def report_id(location: str) -> int:
    return int(re.search(r"/reports/(\d+)/", location).group(1))
