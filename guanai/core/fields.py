"""Model fields for personal data kept encrypted at rest (see guanai.core.crypto)."""

from typing import Any

from django.core.checks import CheckMessage, Error
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from guanai.core.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """Text the model holds in clear and the database holds as a crypto.encrypt() token.

    Declare it blank=True, default="": "" means unknown and is stored as is.

    Every save encrypts under a fresh random nonce, so the database cannot
    compare clear values. Only isnull and exact "" lookups mean anything;
    filter(field="a value") silently matches nothing, and ordering, contains,
    startswith and uniqueness are meaningless. To find a row by its value, keep
    a crypto.blind_index() column beside this one and filter on that.

    The field never logs or puts a value in an exception message.
    """

    description = "Text encrypted at rest"

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [*super().check(**kwargs), *self._check_not_unique()]

    def _check_not_unique(self) -> list[CheckMessage]:
        if not self.unique:
            return []
        return [
            Error(
                "An encrypted field cannot be unique: the database never sees two equal values.",
                hint="Put the uniqueness constraint on its blind index column.",
                obj=self,
                id="guanai.fields.E001",
            )
        ]

    # Save and lookups both pass through here, once, so values are never encrypted twice.
    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt(value)
