"""My tasks and the county's overdue-per-village page over a province: server time.

    DATABASE_URL=sqlite:////tmp/care.sqlite3 python bench/care_bench.py [--build] \\
        [--children 1000000] [--county-db sqlite:////tmp/care_county.sqlite3]

With --build, a database holding fewer children than --children gets them: first the demo
county 旺苍县 exactly as `load_demo` makes it (43 600 children, a year of care records,
helpers, the demo logins), then the rest of Sichuan (every other county, children spread
by village as the demo spreads them) with a lighter care history (`demo.care.LIGHT`: 40 days
of visits, 2 weeks of calls, about 4 records a child): a million children then hold about
4.9 million records, more than the 3 million the goal names, so the figures err on the slow
side. CareState is filled as the demo fills it (one INSERT … SELECT).

Requests go through Django's whole stack in process (middleware, session, scoped selectors,
template), as list_bench does: (a) My tasks (`care:my_tasks`) as the demo village director
(长滩村); (b) the overview per village (`care:overview`) as the demo county admin (旺苍县,
past the second factor with a TOTP device marked in the session). Beside each, the bare
selector calls of the same page: `selectors.my_tasks(user)` and
`selectors.counts_by(children_visible_to(user), "village", today)`.

County page at 43 600 vs at 1 000 000: the same county (旺苍县, the same 43 600 children
and records, made by the same seed) is measured in two databases: this one, where the
province holds --children, and --county-db, holding the county alone (built there with
--build by `load_demo`; measured by this script run on it in a subprocess). Only the size
of what surrounds the county differs, so the ratio says how the page's cost grows with the
database, not with the county (a county of the province spread evenly would hold ~5 000
children and flatter the figure).

On PostgreSQL the tables are ANALYZEd before measuring: right after a bulk load the planner
has no statistics (it takes a 43 600-child county for one row and walks the records child by
child: 25 s a page), and autovacuum would gather them within minutes of a real load. SQLite
is measured as the application leaves it (nothing runs ANALYZE there). Ends with a RESULT
line (../shared/BENCHMARKS.md).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from guanai.accounts.models import User  # noqa: E402
from guanai.areas.models import Area, AreaLevel  # noqa: E402
from guanai.areas.services import area_load_subtree  # noqa: E402
from guanai.care import selectors  # noqa: E402
from guanai.care.models import CareRecord  # noqa: E402
from guanai.children.models import Child  # noqa: E402
from guanai.children.selectors import children_visible_to  # noqa: E402
from guanai.demo.care import LIGHT, CareVolume, demo_care_generate  # noqa: E402
from guanai.demo.children import demo_children_generate  # noqa: E402
from guanai.demo.services import demo_schools_ensure  # noqa: E402

COUNTY = "510821"  # 旺苍县, the demo county
COUNTY_CHILDREN = 43_600
OTHERS = CareVolume(days=LIGHT.days, contact_weeks=LIGHT.contact_weeks, helpers=False)


def build(province: str, children: int) -> None:
    """The demo county, then the rest of the province around it."""
    call_command("load_demo", county=COUNTY, children=COUNTY_CHILDREN)
    rest = children - COUNTY_CHILDREN
    if rest <= 0:
        return
    root = area_load_subtree(code=province.ljust(12, "0")).root
    demo_schools_ensure(root)
    county_city = COUNTY[:4]
    # Every city but the county's, and every other county of the county's city.
    roots = [
        a
        for a in Area.objects.filter(code__startswith=root.prefix).order_by("code")
        if (a.level == AreaLevel.CITY and not a.code.startswith(county_city))
        or (
            a.level == AreaLevel.COUNTY
            and a.code.startswith(county_city)
            and not a.code.startswith(COUNTY)
        )
    ]
    villages = {
        r.code: Area.objects.filter(code__startswith=r.prefix, level=AreaLevel.VILLAGE).count()
        for r in roots
    }
    total = sum(villages.values())
    made = 0
    for index, r in enumerate(roots):
        share = rest - made if index == len(roots) - 1 else rest * villages[r.code] // total
        if share <= 0:
            continue
        made += demo_children_generate(root=r, count=share, seed=2016 + index)
        demo_care_generate(root=r, places=None, seed=2016 + index, volume=OTHERS)
        print(f"  {r.name}: {share} children; {made} of {rest} made", flush=True)


def verified_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(call, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    call()  # warm up
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def get_ok(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def measure(requests: int, *, tasks: bool = True) -> dict[str, float]:
    today = timezone.localdate()
    county_admin = User.objects.get(username="county_admin")
    county_client = verified_client(county_admin)
    result = {
        "county_ms": statistics.median(
            timed(lambda: get_ok(county_client, reverse("care:overview") + "?by=village"), requests)
        ),
        "county_sql_ms": statistics.median(
            timed(
                lambda: selectors.counts_by(children_visible_to(county_admin), "village", today),
                requests,
            )
        ),
    }
    if tasks:
        director = User.objects.get(username="village_director")
        director_client = verified_client(director)
        result["tasks_ms"] = statistics.median(
            timed(lambda: get_ok(director_client, reverse("care:my_tasks")), requests)
        )
        result["tasks_sql_ms"] = statistics.median(
            timed(lambda: selectors.my_tasks(director, today), requests)
        )
    return result


def county_only(url: str, requests: int, build_it: bool) -> dict[str, float]:
    """The county page measured by this script on the county-only database."""
    args = [sys.executable, __file__, "--county-only", "--requests", str(requests)]
    if build_it:
        args.append("--build")
    out = subprocess.run(
        args, env={**os.environ, "DATABASE_URL": url}, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="51", help="province code")
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--county-db", default="sqlite:////tmp/care_county.sqlite3")
    parser.add_argument("--build", action="store_true", help="load the data first")
    parser.add_argument("--county-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    wanted = COUNTY_CHILDREN if args.county_only else args.children
    held = Child.objects.count()
    if held < wanted:
        if not args.build or held:
            sys.exit(
                f"the database holds {held} children, fewer than {wanted}: "
                "run with --build on an empty database"
            )
        started = time.perf_counter()
        if args.county_only:
            call_command("load_demo", county=COUNTY, children=COUNTY_CHILDREN)
        else:
            build(args.root, args.children)
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if args.county_only:
        print(json.dumps(measure(args.requests, tasks=False)))
        return

    children, records = Child.objects.count(), CareRecord.objects.count()
    big = measure(args.requests)
    small = county_only(args.county_db, args.requests, args.build)
    ratio = big["county_ms"] / small["county_ms"]
    met = big["tasks_ms"] < 100 and big["county_ms"] < 300 and ratio <= 2
    print(
        f"{connection.vendor}: {children} children, {records} care records; "
        f"county page also on a database of the county alone ({COUNTY_CHILDREN} children)"
    )
    print(
        f"My tasks p50 {big['tasks_ms']:.1f} ms (selector {big['tasks_sql_ms']:.1f} ms); "
        f"county overview p50 {big['county_ms']:.1f} ms (selector {big['county_sql_ms']:.1f} "
        f"ms), county alone {small['county_ms']:.1f} ms (selector {small['county_sql_ms']:.1f} ms)"
    )
    print(
        f"RESULT children={children} records={records} db={connection.vendor} "
        f"requests={args.requests} tasks_p50_ms={big['tasks_ms']:.1f} "
        f"tasks_sql_p50_ms={big['tasks_sql_ms']:.1f} county_p50_ms={big['county_ms']:.1f} "
        f"county_sql_p50_ms={big['county_sql_ms']:.1f} "
        f"county_alone_p50_ms={small['county_ms']:.1f} "
        f"county_ratio_1m_vs_43k={ratio:.2f} goal_tasks_ms=100 goal_county_ms=300 "
        f"goal_ratio=2 goal_met={'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    # Templates name static files; the bench measures pages, not a collectstatic run.
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        main()
