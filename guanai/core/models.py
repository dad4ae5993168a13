from django.db import models


class RateCounter(models.Model):
    """How often one client did one kind of thing in one time window (core.ratelimit)."""

    # A hash of the kind, the client (user id or address) and the window's number.
    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.count}"
