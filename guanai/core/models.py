from django.db import models


class RateCounter(models.Model):
    """How often one client did one kind of thing in one time window (core.ratelimit)."""

    # A hash of the kind, the client (user id or address) and the window's number.
    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.count}"


class DataKeyCheck(models.Model):
    """The check value of the data key the database was first written under (one row).

    A process whose key does not give the same value refuses to start (guanai.core.keycheck):
    a mistyped or missing GUANAI_DATA_KEY would otherwise turn every file into an error,
    write new data under a key nobody keeps, and let the same ID number in twice.
    """

    value = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"data key check of {self.created_at:%Y-%m-%d}"
