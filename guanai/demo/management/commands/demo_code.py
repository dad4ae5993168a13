from typing import Any

from django.core.management.base import BaseCommand

from guanai.demo.services import demo_code


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo's system and county logins (their "
        "authenticator shares a published demo key; real accounts never use it)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(demo_code())
