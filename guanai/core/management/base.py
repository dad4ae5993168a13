"""What Guanai's management commands share."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanai.core.errors import ApplicationError


class ServiceCommand(BaseCommand):
    """A command that calls services: an ApplicationError they raise ends it as a
    CommandError would, with the message alone (no traceback) and exit status 1, the same
    from the shell and from call_command."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ApplicationError as error:
            raise CommandError(error.message) from None
