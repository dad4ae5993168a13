from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guanai.accounts.models import User
from guanai.children.selectors import ChildFilter, child_filter, children_visible_to
from guanai.roster.exporting import export_log, roster_rows, write_xlsx


class Command(BaseCommand):
    help = (
        "Export the roster (official layout, ID numbers masked) of the children a user may "
        "see, optionally of one area (township or village code); logged like the web export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="the .xlsx file to write")
        parser.add_argument("--as", dest="username", required=True, help="the exporting user")
        parser.add_argument("--area", default="", help="a township or village code")

    def handle(self, *args: Any, out: Path, username: str, area: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的用户 {username}。")
        code = area.strip()
        selected = ChildFilter(
            village=code if len(code.rstrip("0")) > 9 else "",
            township=code if code and len(code.rstrip("0")) <= 9 else "",
        )
        children = child_filter(children_visible_to(user), selected, on=timezone.localdate())
        with out.open("wb") as handle:
            count = write_xlsx(roster_rows(children, full=False), handle, title="留守儿童花名册")
        export_log(
            user=user, fmt="xlsx", rows=count, full=False, reason="",
            filters={"area": code} if code else {},
        )  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 名儿童到 {out}"))
