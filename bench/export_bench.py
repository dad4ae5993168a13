"""Roster export against the bare xlsx writer, on the same rows, in one run.

    DATABASE_URL=sqlite:////tmp/province.sqlite3 python bench/export_bench.py --rows 100000

The database must hold at least --rows children (`load_demo --children N`). Measured side
by side: (1) the bare writer — xlsxwriter in constant-memory mode writing rows already in
memory — and (2) Guanai's export of the same children: read from the database in chunks,
decrypted, masked, laid out in the official columns and written. Ends with a RESULT line
(../shared/BENCHMARKS.md) carrying ratio_vs_writer = (2) rows/s over (1) rows/s.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanai.settings")

import django

django.setup()

from guanai.children.models import Child  # noqa: E402
from guanai.roster.exporting import roster_rows, write_xlsx  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    held = Child.objects.count()
    if held < args.rows:
        sys.exit(f"the database holds {held} children; load at least {args.rows} first")
    ids = list(Child.objects.order_by("id").values_list("id", flat=True)[: args.rows])
    children = Child.objects.filter(id__gte=ids[0], id__lte=ids[-1]).order_by("id")

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        count = write_xlsx(roster_rows(children, full=False), out, title="bench")
        ours = time.perf_counter() - start
        size = out.tell()
    rss_after_ours = peak_rss_mb()

    rows = list(roster_rows(children, full=False))  # the same rows, in memory
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        write_xlsx(iter(rows), out, title="bench")
        writer = time.perf_counter() - start

    ours_rate, writer_rate = count / ours, len(rows) / writer
    print(f"{count} rows, {size / 1e6:.1f} MB xlsx, 31 columns")
    print(f"Guanai export (database -> xlsx): {ours:.1f} s, {ours_rate:,.0f} rows/s")
    print(f"bare xlsxwriter (rows in memory -> xlsx): {writer:.1f} s, {writer_rate:,.0f} rows/s")
    print(
        f"RESULT rows={count} ours_rows_per_s={ours_rate:.0f} writer_rows_per_s={writer_rate:.0f} "
        f"ratio_vs_writer={ours_rate / writer_rate:.2f} peak_rss_mb_export={rss_after_ours:.0f} "
        f"goal_ratio=0.8 goal_met={'yes' if ours_rate / writer_rate >= 0.8 else 'no'}"
    )


if __name__ == "__main__":
    main()
