"""Roster import against python-calamine parse-only and django-import-export, on the same rows.

    python bench/import_bench.py --rows 100000                 # SQLite, a scratch file
    python bench/import_bench.py --rows 100000 --postgresql    # a scratch PostgreSQL database

The bench builds its own scratch database (never the one in DATABASE_URL): the demo county
(旺苍县) with --rows demo children, exported in full as the official roster (.xlsx); then
the children are deleted and, measured in one process on the same file:

1. python-calamine parse-only: every cell of every row read into Python values;
2. Guanai's import of the file as the county admin: read, checked row by row (ID numbers,
   codes, places, scope), de-duplicated through the blind index, encrypted, written with
   history and review state;
3. django-import-export 4 importing the same rows into an equivalent plain model (the same
   31 columns as plain fields, matched on the ID number as Guanai is), on the first
   --ie-rows rows (it is far slower; its rate is rows per second all the same).

Ends with a RESULT line (../shared/BENCHMARKS.md) carrying ratio_vs_parse = (2) rows/s over
(1) rows/s and ratio_vs_import_export = (2) rows/s over (3) rows/s, and the peak RSS of the
process after (2), before (1) and (3) ran.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SCRATCH_PG = "guanai_bench_import"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], check=True, stdout=subprocess.DEVNULL
    )


def scratch_postgres(create: bool) -> str:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {SCRATCH_PG}")
        if create:
            server.execute(f"CREATE DATABASE {SCRATCH_PG}")
    return SERVER.rsplit("/", 1)[0] + "/" + SCRATCH_PG


EXPORT = """
from guanai.children.models import Child
from guanai.roster.exporting import roster_rows, write_xlsx
with open({out!r}, "wb") as handle:
    write_xlsx(roster_rows(Child.objects.order_by("pk"), full=True), handle, title="留守儿童花名册")
"""


def prepare(rows: int, out: Path, kept: Path | None) -> None:
    """The demo county with `rows` children, exported in full (the children are deleted
    before the measures). With `kept`, the roster is kept there and used again next time."""
    manage("migrate", "-v0")
    if kept is not None and kept.exists():
        manage("load_demo", "--children", "0")
        shutil.copy(kept, out)
        return
    manage("load_demo", "--children", str(rows))
    manage("shell", "-c", EXPORT.format(out=str(out)))
    if kept is not None:
        shutil.copy(out, kept)


def plain_model():  # type: ignore[no-untyped-def]
    """An equivalent plain model: the roster's columns as plain fields (registered with the
    demo app, which has no models of its own, and created here without a migration)."""
    from django.db import connection, models

    from guanai.roster.columns import COLUMNS

    fields = {
        column.key: models.CharField(max_length=200, blank=True, default="")
        for column in COLUMNS
        if column.key not in ("id_number", "birth_date")
    }
    fields["id_number"] = models.CharField(max_length=18, db_index=True, blank=True)
    fields["birth_date"] = models.DateField(null=True, blank=True)
    model = type(
        "PlainChild",
        (models.Model,),
        {"__module__": __name__, "Meta": type("Meta", (), {"app_label": "demo"}), **fields},
    )
    with connection.schema_editor() as editor:
        editor.create_model(model)
    return model


def import_export_rate(data: bytes, limit: int) -> tuple[int, float]:
    """django-import-export importing the first `limit` rows of the roster."""
    import tablib
    from import_export import fields, resources

    from guanai.roster.columns import COLUMNS, match_header
    from guanai.roster.reading import read_sheet

    sheet = read_sheet(data, max_bytes=len(data))
    head = [next(sheet.rows) for _ in range(2)]
    match = match_header(head, None)
    assert match is not None
    header = head[match.row_index]
    body = [] if match.row_index else [head[1]]
    for row in sheet.rows:
        if len(body) >= limit:
            break
        body.append(row)
    model = plain_model()
    by_label = {str(c.label): c.key for c in COLUMNS}
    attrs = {
        by_label[str(name)]: fields.Field(attribute=by_label[str(name)], column_name=str(name))
        for name in header
        if str(name) in by_label
    }
    meta = type(
        "Meta", (), {"model": model, "import_id_fields": ["id_number"], "fields": list(attrs)}
    )
    resource_class = type("PlainChildResource", (resources.ModelResource,), {**attrs, "Meta": meta})
    width = len(header)  # rows read by streaming stop at their last filled cell
    dataset = tablib.Dataset(
        *[["" if v is None else v for v in [*row, *[None] * width][:width]] for row in body]
    )
    dataset.headers = [str(h) for h in header]
    start = time.perf_counter()
    result = resource_class().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    # Rows without an ID number all match the first of them, as import_id_fields says.
    assert result.totals["new"] + result.totals["update"] == len(body), result.totals
    return len(body), seconds


def parse_only(data: bytes) -> tuple[int, float]:
    import io

    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    count = 0
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    for row in sheet.iter_rows():
        count += len(row) > 0
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ie-rows", type=int, default=5_000, help="rows for import-export")
    parser.add_argument("--postgresql", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument(
        "--keep-roster", type=Path, help="keep the generated roster here, and reuse it if there"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="guanai-import-bench-"))
    try:
        if args.postgresql:
            os.environ["DATABASE_URL"] = scratch_postgres(create=True)
        else:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "guanai.settings"
        roster = folder / "roster.xlsx"
        started = time.perf_counter()
        prepare(args.rows, roster, args.keep_roster)
        print(
            f"prepared {args.rows} demo children and their roster in "
            f"{time.perf_counter() - started:.0f} s"
        )
        run(roster.read_bytes(), args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if args.postgresql:
            from django.db import connections

            connections.close_all()
            scratch_postgres(create=False)


def run(data: bytes, args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connection

    from guanai.accounts.models import User
    from guanai.children.models import Child
    from guanai.roster.importing import import_roster
    from guanai.roster.reading import COMMAND_MAX_BYTES

    with connection.cursor() as cursor:  # the demo's children out, users and places kept
        for table in ("childchange", "grandparent", "child", "person"):
            cursor.execute(f"DELETE FROM children_{table}")  # noqa: S608 - fixed names
    user = User.objects.get(username="county_admin")
    rss_before = peak_rss_mb()

    start = time.perf_counter()
    # As the command line imports: a province's roster may exceed the web's 50 MB.
    report = import_roster(user=user, data=data, write=True, max_bytes=COMMAND_MAX_BYTES)
    ours = time.perf_counter() - start
    rss_ours = peak_rss_mb()
    made = Child.objects.count()
    assert made == report.counts["create"], (made, report.counts)

    print(
        f"Guanai import: {report.rows} rows in {ours:.1f} s, {report.rows / ours:,.0f} rows/s, "
        f"peak RSS {rss_ours:.0f} MB",
        flush=True,
    )
    parsed, parse = parse_only(data)
    print(f"python-calamine parse-only: {parsed / parse:,.0f} rows/s", flush=True)
    ie_rows, ie = import_export_rate(data, args.ie_rows)

    vendor = connection.vendor
    ours_rate, parse_rate, ie_rate = report.rows / ours, parsed / parse, ie_rows / ie
    print(
        f"{report.rows} rows, {len(data) / 1e6:.1f} MB xlsx, 31 columns; "
        f"created {report.counts['create']}, faulty {report.counts['error']}"
    )
    print(f"python-calamine parse-only: {parse:.1f} s, {parse_rate:,.0f} rows/s")
    print(
        f"Guanai import ({vendor}): {ours:.1f} s, {ours_rate:,.0f} rows/s, "
        f"peak RSS {rss_ours:.0f} MB (before: {rss_before:.0f} MB)"
    )
    print(
        f"django-import-export ({vendor}, first {ie_rows} rows): {ie:.1f} s, {ie_rate:,.0f} rows/s"
    )
    ratio_parse, ratio_ie = ours_rate / parse_rate, ours_rate / ie_rate
    met = ratio_parse >= 0.5 and ratio_ie >= 20 and rss_ours < 1024
    print(
        f"RESULT rows={report.rows} db={vendor} ours_rows_per_s={ours_rate:.0f} "
        f"parse_rows_per_s={parse_rate:.0f} import_export_rows_per_s={ie_rate:.0f} "
        f"ratio_vs_parse={ratio_parse:.2f} ratio_vs_import_export={ratio_ie:.1f} "
        f"peak_rss_mb={rss_ours:.0f} goal_ratio_vs_parse=0.5 goal_ratio_vs_import_export=20 "
        f"goal_met={'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
