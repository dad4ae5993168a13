"""The child list over a province of children: server time of filtered, searched pages.

    DATABASE_URL=sqlite:////tmp/province.sqlite3 python bench/list_bench.py [--build]

With --build, a database holding fewer children than --children first gets the demo
province (`load_demo --county 51 --children 1000000`). Requests go through Django's
whole stack in process (middleware, session, scoped selectors, template), as a
province-level user; "server time" is the time from request to rendered response.
The bare SQL of the same page (count + rows) is timed beside it, so the overhead of
the view is visible as a ratio. Ends with a RESULT line (../shared/BENCHMARKS.md).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from guanai.accounts.models import Membership, Role, User  # noqa: E402
from guanai.areas.models import Area, AreaLevel  # noqa: E402
from guanai.children.models import Child  # noqa: E402
from guanai.children.selectors import (  # noqa: E402
    ChildFilter,
    child_filter,
    child_list_rows,
    children_visible_to,
)

# Pinyin initials people search by: common surname + given-name initials.
SEARCHES = ["zs", "wxm", "lj", "ch", "yl", "zhang", "wang", "lx", "zy", "hm", "zwj", "lih"]


def bench_user(root: Area) -> User:
    """A user bound to the whole province, as a provincial civil-affairs office would be."""
    user, _ = User.objects.get_or_create(username="bench_province", defaults={"full_name": "bench"})
    Membership.objects.get_or_create(
        user=user, role=Role.objects.get(code="county_admin"), area=root, school=None
    )
    return user


def requests_plan(root: Area, count: int) -> list[dict[str, str]]:
    townships = list(
        Area.objects.filter(level=AreaLevel.TOWNSHIP, code__startswith=root.prefix)
        .order_by("code")
        .values_list("code", flat=True)[:400]
    )
    filters = [
        {"definition": "2016"},
        {"risk_level": "high"},
        {"guardianship_type": "grandparent"},
        {"age_band": "6-13"},
        {"concern": "affection"},
        {"township": "T"},
    ]
    plan = []
    for i in range(count):
        params = {"q": SEARCHES[i % len(SEARCHES)], **filters[i % len(filters)]}
        if params.get("township") == "T":
            params["township"] = townships[(i * 7) % len(townships)]
        plan.append(params)
    return plan


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="51", help="province (or city/county) code")
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--build", action="store_true", help="load the demo province first")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    root_code = args.root.ljust(12, "0")
    held = Child.objects.count()
    if held < args.children:
        if not args.build or held:
            sys.exit(
                f"the database holds {held} children, fewer than {args.children}: "
                "run with --build on an empty database to load the demo"
            )
        call_command("load_demo", county=args.root, children=args.children)
    root = Area.objects.get(code=root_code)
    total = Child.objects.filter(village__code__startswith=root.prefix).count()
    user = bench_user(root)
    client = Client()
    client.force_login(user)
    # A county admin logs in with a second factor: the session is marked as verified.
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    plan = requests_plan(root, args.requests)
    today = timezone.localdate()

    # Warm up: caches, prepared pages, the session.
    for params in plan[:10]:
        client.get("/children/", params)

    view_ms, sql_ms, query_counts = [], [], set()
    for params in plan:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            # 50 a page, as the figures in the README were measured (the list's default is 20).
            response = client.get("/children/", {**params, "per_page": "50"})
            view_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        query_counts.add(len(queries))
        # The same page as bare SQL: count and 50 rows with what the list shows.
        fields = {k: v for k, v in params.items() if k != "q"}
        children = child_filter(
            children_visible_to(user), ChildFilter(q=params["q"], **fields), on=today
        )
        start = time.perf_counter()
        children.count()
        list(child_list_rows(children)[:50])
        sql_ms.append((time.perf_counter() - start) * 1000)

    p50, p95 = statistics.median(view_ms), percentile(view_ms, 95)
    sql_p50 = statistics.median(sql_ms)
    print(
        f"{connection.vendor}: {total} children under {root.name}; {len(plan)} list requests "
        f"(pinyin search + one filter each) as a province-level user"
    )
    print(f"server time p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(view_ms):.1f} ms")
    print(
        f"bare SQL of the same pages p50 {sql_p50:.1f} ms; queries per page {sorted(query_counts)}"
    )
    print(
        f"RESULT children={total} requests={len(plan)} db={connection.vendor} "
        f"p50_ms={p50:.1f} p95_ms={p95:.1f} max_ms={max(view_ms):.1f} "
        f"bare_sql_p50_ms={sql_p50:.1f} ratio_view_vs_sql={p50 / sql_p50:.2f} "
        f"queries_per_page={max(query_counts)} goal_p50_ms=100 "
        f"goal_met={'yes' if p50 < 100 else 'no'}"
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
