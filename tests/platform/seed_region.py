"""Seeds a generated region (tests/platform/regiondata.py) into a platform database: a county
under 云山市 with ``n`` units, last year's reports published and this year's submitted, every
tenth unit not started; a reviewer of the county.  Run in a subprocess with the server's
environment (``python seed_region.py PASSWORD N YEAR``) or call :func:`seed` with Django set up
(bench/bench_workflow.py).  Prints {"region", "reviewer", "units": [unit ids], "reports": {...}}."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def seed(n: int, year: int, *, password: str, name: str = "测试县", reviewer: str = "rev_test",
         parent: str | None = "云山市") -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from reportkit.platform.models import Membership, Region, Report, ReportVersion, Unit
    from reportkit.contract.official import edition_for
    from reportkit.platform.versions import counts

    import regiondata

    this, last = regiondata.region(n, year)
    User = get_user_model()
    with transaction.atomic():
        up = Region.objects.filter(name=parent).first() if parent else None
        region = Region.objects.create(name=name, parent=up)
        author = User.objects.create_user(reviewer, password=password)
        Membership.objects.create(user=author, role=Membership.REVIEWER, region=region)
        units = Unit.objects.bulk_create([Unit(name=d["agency"], agency_id=f"{name}-{d['agency_id']}", region=region)
                                          for d in this])
        reports, versions = [], []
        for i, (unit, now, before) in enumerate(zip(units, this, last)):
            for y, data, state in ((year - 1, before, Report.State.PUBLISHED), (year, now, Report.State.SUBMITTED)):
                if y == year and i % 10 == 9:
                    continue  # not started
                data = dict(data, agency_id=unit.agency_id)
                reports.append(Report(unit=unit, year=y, state=state))
                versions.append(data)
        for r in reports:
            r.edition = edition_for(r.year)
        reports = Report.objects.bulk_create(reports)
        rows = []
        for r, data in zip(reports, versions):
            text, digest = ReportVersion.encode(data)
            errors, warnings = counts(data)
            rows.append(ReportVersion(report=r, number=1, data_json=text, sha256=digest, author=author,
                                      source=ReportVersion.Source.TYPED, errors=errors, warnings=warnings))
        ReportVersion.objects.bulk_create(rows)
    return {"region": region.pk, "reviewer": reviewer, "year": year, "units": [u.pk for u in units],
            "reports": {str(r.unit_id): r.pk for r in reports if r.year == year}}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
    import django

    django.setup()
    print(json.dumps(seed(int(sys.argv[2]), int(sys.argv[3]), password=sys.argv[1])))
