from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanai.core.errors import ApplicationError
from guanai.demo.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Build the demo county (default 旺苍县 510821): areas, schools and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", default="510821", help="county code (default 510821)")

    def handle(self, *args: Any, county: str, **options: Any) -> None:
        try:
            places, users = demo_load(county_code=county)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"示范县 {places.county.name}：乡镇 {places.township.name}，"
                f"村 {places.village.short_name}，学校 {places.school.name}"
            )
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in users:
            membership = user.memberships.select_related("role", "area", "school").first()
            self.stdout.write(f"  {user.username:<22} {membership}")
