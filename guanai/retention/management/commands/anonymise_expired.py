from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanai.areas.codes import code_of
from guanai.areas.models import Area, AreaLevel
from guanai.retention.registry import expiries
from guanai.retention.selectors import Reason, county_periods
from guanai.retention.services import BATCH_SIZE, anonymise_expired, retention_daily

REASONS = {Reason.EXIT: "移出期满", Reason.ADULTHOOD: "年满18周岁期满"}


class Command(BaseCommand):
    help = (
        "Anonymise the children whose county's retention period has run out (after leaving "
        "the roster, or after turning 18), in batches; run it daily (see README). Each "
        "child's history says when and why, with no personal data; --dry-run only counts. "
        "Import batches older than IMPORT_FILE_RETENTION_DAYS lose the rows of their file; "
        "export files older than EXPORT_FILE_HOURS are deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")
        parser.add_argument("--county", default="", help="one county's code (6 or 12 digits)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(
        self, *args: Any, dry_run: bool, county: str, batch_size: int, **options: Any
    ) -> None:
        place = None
        if county:
            place = Area.objects.filter(
                code=code_of(county.strip()), level=AreaLevel.COUNTY
            ).first()
            if place is None:
                raise CommandError(f"没有代码为 {county} 的县。")
            periods = county_periods(place)
            self.stdout.write(
                f"{place.name}（{place.prefix}）：移出后保留 {periods.months_after_exit} 个月，"
                f"年满18周岁后保留 {periods.months_after_adulthood} 个月"
                + ("" if periods.own else "（默认）")
            )
        if batch_size < 1:
            raise CommandError("--batch-size 应大于 0。")

        def progress(done: int, total: int) -> None:
            verb = "已清点" if dry_run else "已匿名化"
            self.stdout.write(f"{verb} {done}/{total}")

        if dry_run:
            run = anonymise_expired(
                county=place, dry_run=True, batch_size=batch_size, progress=progress
            )
        else:
            run = retention_daily(county=place, batch_size=batch_size, progress=progress)
        names = dict(
            Area.objects.filter(code__in=[code_of(prefix) for prefix in run.by_county]).values_list(
                "code", "name"
            )
        )
        for prefix, count in sorted(run.by_county.items()):
            self.stdout.write(f"  {prefix} {names.get(code_of(prefix), '')}：{count} 名")
        reasons = "，".join(
            f"{REASONS[reason]} {count} 名" for reason, count in sorted(run.by_reason.items())
        )
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"试运行：保留期限已满、待匿名化的儿童 {run.due} 名"
                    + (f"（{reasons}）" if reasons else "")
                    + "，未做任何修改。"
                )
            )
            return
        for expiry in expiries():
            self.stdout.write(expiry.describe(run.expired.get(expiry.name, 0)))
        if run.orphans_deleted:
            self.stdout.write(f"删除了 {run.orphans_deleted} 名已不属于任何儿童的家庭成员。")
        self.stdout.write(
            self.style.SUCCESS(
                f"已匿名化 {run.anonymised} 名儿童"
                + (f"（{reasons}）" if reasons else "")
                + f"；删除不再与其他儿童相关的家庭成员 {run.family_deleted} 名，"
                f"保留仍登记在其他儿童档案中的 {run.family_kept} 名。"
            )
        )
