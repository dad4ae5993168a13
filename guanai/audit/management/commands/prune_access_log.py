import getpass
import socket
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from guanai.audit.services import access_log_prune, retention_days
from guanai.core.management.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Remove access-log entries and login events older than GUANAI_AUDIT_RETENTION_DAYS "
        "(never fewer than 183 days), keeping the chain verifiable from a sealed checkpoint. "
        "Refused while verify_access_log finds a fault. Meant to run daily (see README)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be removed"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = f"prune_access_log ({getpass.getuser()}@{socket.gethostname()})"
        result = access_log_prune(by=by, dry_run=options["dry_run"])
        cutoff = timezone.localtime(result.cutoff)
        verb = "将删除" if options["dry_run"] else "已删除"
        self.stdout.write(
            self.style.SUCCESS(
                f"保存期限 {retention_days()} 天：{verb} {cutoff:%Y-%m-%d %H:%M} 以前的"
                f"访问记录 {result.access_events} 条、登录记录 {result.login_events} 条。"
            )
        )
