from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from guanai.accounts.models import User
from guanai.accounts.twofactor import enrolment_code_from_console
from guanai.core.management.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Issue a one-time enrolment code with which the account binds its authenticator. "
        "For system admins, whom nobody in the system may reset (no role ranks above "
        "theirs): a new one, or one whose phone was lost (--reset)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first remove the account's authenticator and recovery codes (a lost phone)",
        )

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户。")
        code = enrolment_code_from_console(user=user, reset=reset)
        hours = int(settings.ENROLMENT_CODE_VALIDITY.total_seconds() // 3600)
        self.stdout.write(
            f"{user.username} 的绑定码：{code}\n"
            f"请当面交给本人；{hours}小时内有效，只能使用一次。登录后绑定手机验证器时须输入它。"
        )
