from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import timezone

from guanai.accounts.models import User
from guanai.areas.models import AreaLevel
from guanai.areas.selectors import area_get_for_user
from guanai.audit.services import logged_parameters
from guanai.children.selectors import ChildFilter, child_filter, children_visible_to
from guanai.roster.exporting import export_log, roster_rows, roster_title, write_xlsx


class Command(BaseCommand):
    help = (
        "Export the roster (official layout; ID numbers, phones and addresses masked) of the children a user may "
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
        selected = ChildFilter()
        if code:
            try:
                place = area_get_for_user(user=user, code=code)
            except Http404:
                raise CommandError(f"{username} 的管辖范围内没有区划 {code}。") from None
            if place.level == AreaLevel.VILLAGE:
                selected = ChildFilter(village=code)
            elif place.level == AreaLevel.TOWNSHIP:
                selected = ChildFilter(township=code)
            else:
                raise CommandError("--area 应是乡镇或村(社区)的代码。")
        children = child_filter(children_visible_to(user), selected, on=timezone.localdate())
        with out.open("wb") as handle:
            count = write_xlsx(
                roster_rows(children, full=False), handle, title=roster_title(full=False)
            )
        export_log(
            user=user, fmt="xlsx", rows=count, full=False, reason="",
            filters=logged_parameters({"area": code}, keys=["area"]),
        )  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 名儿童到 {out}"))
