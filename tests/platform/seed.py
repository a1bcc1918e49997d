"""Seeds a platform database for the tests (run in a subprocess with the server's environment):
a city with a county, two units in the county, a clerk for each, a reviewer of the county."""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402

from reportkit.platform.models import Membership, Region, Unit  # noqa: E402

PASSWORD = sys.argv[1]
User = get_user_model()
city = Region.objects.create(name="云山市")
county = Region.objects.create(name="云溪县", parent=city)
other_county = Region.objects.create(name="云岭县", parent=city)
units = {
    "zrzyj": Unit.objects.create(name="云溪县自然资源局", agency_id="11339901MB1F270818", region=county),
    "jyj": Unit.objects.create(name="云溪县教育局", agency_id="11339901MB1F27999X", region=county),
    "ling": Unit.objects.create(name="云岭县民政局", agency_id="11339902MB1F000001", region=other_county),
}
users = {}
for name, unit in (("clerk_a", "zrzyj"), ("clerk_b", "jyj"), ("clerk_c", "ling"), ("locked", "ling")):
    u = User.objects.create_user(name, password=PASSWORD)
    Membership.objects.create(user=u, role=Membership.CLERK, unit=units[unit])
    users[name] = u.pk
rev = User.objects.create_user("reviewer", password=PASSWORD)
Membership.objects.create(user=rev, role=Membership.REVIEWER, region=county)
city_rev = User.objects.create_user("city_reviewer", password=PASSWORD)  # reviews the city and its counties
Membership.objects.create(user=city_rev, role=Membership.REVIEWER, region=city)
print(json.dumps({"units": {k: u.pk for k, u in units.items()}, "users": users}))
