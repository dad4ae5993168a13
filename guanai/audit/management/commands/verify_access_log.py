from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanai.audit.models import AccessEvent
from guanai.audit.services import access_log_checkpoint, access_log_faults, access_log_head

PROBLEMS = {
    "altered": "内容被改动",
    "broken": "与前一条记录不相接（记录被删除、插入或调换）",
    "truncated": "最新的记录已不在（其后的记录被删除）",
    "anchor": "链头或清理记录被改动或缺失",
}


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain from the last pruning to the newest entry: every "
        "entry altered, removed or slipped in afterwards is named, and so is the removal of "
        "the newest entries; exits with an error if any is found. Prints the head's digest: "
        "kept outside the system (a daily mail), it shows even a rewrite by a key holder."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        faults = list(access_log_faults())
        for fault in faults[:100]:
            self.stdout.write(f"第 {fault.entry_id} 条：{PROBLEMS[fault.problem]}")
        count = AccessEvent.objects.count()
        checkpoint = access_log_checkpoint()
        if checkpoint is not None:
            self.stdout.write(
                f"最近一次清理：{checkpoint.at:%Y-%m-%d %H:%M}（{checkpoint.by}），"
                f"第 {checkpoint.last_pruned_id} 条及以前的记录已按保存期限删除。"
            )
        head = access_log_head()
        if head is not None:
            self.stdout.write(
                f"链头：第 {head.last_id} 条，{head.digest}（累计 {head.recorded} 条）"
            )
        if faults:
            raise CommandError(f"访问日志共 {count} 条，发现 {len(faults)} 处问题。")
        self.stdout.write(self.style.SUCCESS(f"访问日志共 {count} 条，链条完整。"))
