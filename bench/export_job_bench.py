"""A county's roster exported through the web as a background job, against the same export
written straight to a file in one process (how the web request did it before, and how
`export_roster` does it), in one run.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/export_job_bench.py [--build]
        [--root 510821] [--children 43600]

With --build, a database holding fewer than --children children under --root first gets
the demo there (`load_demo --county ROOT --children N`; by default 旺苍县 with 43 600, as
`make run` builds it). Then, as a civil-affairs admin of the root area (the county admin's
rights, over the whole root), side by side:

(1) direct: `manage.py export_roster` (rows read, decrypted, masked and written as xlsx in
    the one process), timed and its peak memory read, as a child process;
(2) through the job: the export asked for with a POST to /children/export/ through Django's
    whole stack (the request's time), the job run by a real `manage.py db_worker
    --queue-name exports` child process (the job's own time from its record, the worker's
    peak memory), then the file downloaded (the download request's time);
(3) the same job for one township, to see the worker's memory flat in the row count.

Ends with a RESULT line (../shared/BENCHMARKS.md). The goal, from the export goal there: the
job writes at ≥ 0.8 × the direct rate, its worker's peak memory is flat in the row count
(county ≤ 1.25 × township), and no web request comes near the server's 30-second timeout
(asking and downloading each under 5 s).
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from guanai.accounts.models import Membership, Role, User  # noqa: E402
from guanai.areas.models import Area  # noqa: E402
from guanai.children.models import Child  # noqa: E402
from guanai.exports.models import ExportJob  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
REQUEST_LIMIT_S = 5.0


def run_measured(args: list[str]) -> tuple[float, float]:
    """A child process's wall time (s) and peak resident memory (MB), read by GNU time: a
    child forked from this process would count this process's memory as its own peak."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK_KB %M", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak = next(line for line in reversed(done.stderr.splitlines()) if line.startswith("PEAK_KB"))
    return elapsed, int(peak.split()[1]) / 1024


def exporter_client(root: Area) -> tuple[User, Client]:
    """A civil-affairs admin bound to the whole root area (a county, or a province), logged
    in past the second factor, as the county admin would be."""
    user, _ = User.objects.get_or_create(username="bench_exporter", defaults={"full_name": "bench"})
    Membership.objects.get_or_create(
        user=user, role=Role.objects.get(code="county_admin"), area=root, school=None
    )
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return user, client


def through_the_job(client: Client, data: dict[str, str]) -> dict[str, float]:
    """Ask, let a real export worker run the job, download: the figures of each step."""
    start = time.perf_counter()
    asked = client.post(reverse("roster:export"), data)
    asked_s = time.perf_counter() - start
    if asked.status_code != 302:
        sys.exit(f"export refused: {asked.status_code} {asked.content[:300]!r}")
    job = ExportJob.objects.latest("pk")
    worker_s, worker_mb = run_measured(
        [*MANAGE, "db_worker", "--queue-name", "exports", "--batch", "--no-startup-delay", "-v0"]
    )
    job.refresh_from_db()
    if job.state != ExportJob.State.DONE:
        sys.exit(f"export job {job.pk} ended {job.state}: {job.message}")
    start = time.perf_counter()
    response = client.get(reverse("exports:export_download", args=[job.pk]))
    size = sum(len(chunk) for chunk in response.streaming_content)
    download_s = time.perf_counter() - start
    assert job.started_at is not None
    assert job.finished_at is not None
    return {
        "rows": job.rows,
        "asked_s": asked_s,
        "job_s": (job.finished_at - job.started_at).total_seconds(),
        "worker_s": worker_s,
        "worker_mb": worker_mb,
        "download_s": download_s,
        "size_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=43_600)
    parser.add_argument(
        "--root", default="510821", help="the area exported: a county (default 旺苍县) or more"
    )
    parser.add_argument("--build", action="store_true", help="load the demo if needed")
    args = parser.parse_args()
    code = args.root.ljust(12, "0")
    held = Child.objects.filter(village__code__startswith=args.root).count()
    if held < args.children * 0.99:
        if not args.build:
            sys.exit(f"the database holds {held} children there; run with --build")
        call_command("load_demo", county=args.root, children=args.children)
    user, client = exporter_client(Area.objects.get(code=code))
    # The first township with children: the small export, to compare the worker's memory.
    township = (
        Child.objects.filter(village__code__startswith=args.root)
        .order_by("village_id")
        .values_list("village__parent_id", flat=True)
        .first()
    )
    assert township is not None

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "roster.xlsx"
        direct_s, direct_mb = run_measured(
            [*MANAGE, "export_roster", str(out), "--as", user.username]
        )
    lifted = {kind: (10**9, period) for kind, (_n, period) in settings.RATE_LIMITS.items()}
    with override_settings(RATE_LIMITS=lifted):
        small = through_the_job(client, {"format": "xlsx", "township": township})
        county = through_the_job(client, {"format": "xlsx"})
    rows = int(county["rows"])
    # Both as whole processes (Django's start included), so the ratio is like for like.
    direct_rate, job_rate = rows / direct_s, rows / county["worker_s"]
    ratio = job_rate / direct_rate
    rss_ratio = county["worker_mb"] / small["worker_mb"]
    slowest_request = max(county["asked_s"], county["download_s"])
    goal = ratio >= 0.8 and rss_ratio <= 1.25 and slowest_request < REQUEST_LIMIT_S
    load = os.getloadavg()[0]
    print(f"{rows} children, {county['size_mb']:.1f} MB xlsx, load average {load:.1f}")
    print(f"direct (export_roster, one process): {direct_s:.1f} s, peak {direct_mb:.0f} MB")
    print(
        f"through the job: request {county['asked_s'] * 1000:.0f} ms, job {county['job_s']:.1f} s"
        f" (worker process {county['worker_s']:.1f} s, peak {county['worker_mb']:.0f} MB), "
        f"download {county['download_s'] * 1000:.0f} ms"
    )
    print(
        f"one township ({small['rows']:.0f} rows): job {small['job_s']:.1f} s, "
        f"worker peak {small['worker_mb']:.0f} MB"
    )
    print(
        f"RESULT rows={rows} direct_s={direct_s:.1f} worker_s={county['worker_s']:.1f} "
        f"job_s={county['job_s']:.1f} "
        f"direct_rows_per_s={direct_rate:.0f} job_rows_per_s={job_rate:.0f} "
        f"ratio_vs_direct={ratio:.2f} request_ms={county['asked_s'] * 1000:.0f} "
        f"download_ms={county['download_s'] * 1000:.0f} "
        f"direct_peak_rss_mb={direct_mb:.0f} worker_peak_rss_mb={county['worker_mb']:.0f} "
        f"worker_peak_rss_mb_township={small['worker_mb']:.0f} rss_ratio={rss_ratio:.2f} "
        f"self_peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
        f"goal_met={'yes' if goal else 'no'}"
    )


if __name__ == "__main__":
    main()
