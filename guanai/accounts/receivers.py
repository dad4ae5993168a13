"""Record every login, failed login and logout in the login audit log."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from guanai.accounts.models import LoginEvent, User
from guanai.accounts.services import login_event_record


@receiver(user_logged_in)
def _on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    login_event_record(
        request=request, username=user.username, user=user, kind=LoginEvent.Kind.SUCCESS
    )


@receiver(user_login_failed)
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    login_event_record(
        request=request,
        username=username,
        user=User.objects.filter(username=username).first(),
        kind=LoginEvent.Kind.FAILURE,
    )


@receiver(user_logged_out)
def _on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    kind = (
        LoginEvent.Kind.TIMEOUT
        if getattr(request, "idle_timeout", False)
        else LoginEvent.Kind.LOGOUT
    )
    login_event_record(request=request, username=user.username, user=user, kind=kind)


@receiver(user_locked_out)
def _on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    name = (username or "")[:150]
    login_event_record(
        request=request,
        username=name,
        user=User.objects.filter(username=name).first(),
        kind=LoginEvent.Kind.LOCKED,
    )
