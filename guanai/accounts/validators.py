"""Password rules beyond Django's: mixed character classes, and not the username."""

import re
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own message: Django 5.2's wording has no Chinese translation."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要%(n)d个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(n)d个字符。") % {"n": self.min_length}


class CharacterClassValidator:
    """At least three of: lower-case letters, capitals, digits, symbols (等保 2.0 practice)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for pattern in _CLASSES if re.search(pattern, password))
        if present < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类。") % {
            "n": self.min_classes
        }


class NotUsernameValidator:
    """The password may not be, or contain, the username (in any letter case)."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if username and username in password.lower():
            raise ValidationError(self.get_help_text(), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名。")
