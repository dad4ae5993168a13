from django.http import HttpRequest

from guanai.accounts.models import User
from guanai.audit.models import AccessEvent


def access_record(
    *,
    user: User,
    action: str,
    target: str,
    field: str = "",
    reason: str = "",
    detail: dict[str, object] | None = None,
    request: HttpRequest | None = None,
) -> AccessEvent:
    """Log one access to personal data. Never pass the value itself: only what and why."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AccessEvent.objects.create(
        user=user,
        action=action,
        target=target,
        field=field,
        reason=reason[:200],
        detail=detail or {},
        ip_address=ip,
    )
