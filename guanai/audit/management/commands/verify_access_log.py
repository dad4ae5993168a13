from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanai.audit.models import AccessEvent
from guanai.audit.services import access_log_faults

PROBLEMS = {
    "altered": "内容被改动",
    "broken": "与前一条记录不相接（记录被删除、插入或调换）",
}


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain: every entry altered, removed or slipped in "
        "afterwards is named; exits with an error if any is found."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        faults = list(access_log_faults())
        for fault in faults[:100]:
            self.stdout.write(f"第 {fault.entry_id} 条：{PROBLEMS[fault.problem]}")
        count = AccessEvent.objects.count()
        if faults:
            raise CommandError(f"访问日志共 {count} 条，发现 {len(faults)} 处问题。")
        self.stdout.write(self.style.SUCCESS(f"访问日志共 {count} 条，链条完整。"))
