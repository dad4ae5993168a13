"""The menu: each app registers its entries (in its `shell.py`), and the shell shows a user
those their roles admit, in order, without knowing any domain.

An entry's `visible` decides from the user and their scope alone (no request), so the same
rule holds wherever the menu is drawn; it is a convenience, never a check: every view
enforces its own access.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django_stubs_ext import StrOrPromise

from guanai.accounts.models import User
from guanai.accounts.scope import Scope


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: StrOrPromise
    # A Bootstrap icon class (bi-…).
    icon: str
    # Place in the menu, lowest first (the home page 0, the user's own account last).
    order: int
    visible: Callable[[User, Scope], bool]
    # The entry is highlighted on every view whose name starts with this (its section of the
    # site); when empty, on the views whose names start with the entry's URL name.
    active_prefix: str = ""


@dataclass(frozen=True)
class MenuItem:
    """An entry as one user sees it on one page."""

    url: str
    label: StrOrPromise
    icon: str
    active: bool


def everyone(user: User, scope: Scope) -> bool:
    return True


# By URL name: registering an entry again replaces it rather than listing it twice.
_ENTRIES: dict[str, MenuEntry] = {}


def register(entry: MenuEntry) -> None:
    _ENTRIES[entry.url_name] = entry


def menu_for(user: User, scope: Scope, *, current_view: str) -> list[MenuItem]:
    """The entries the user's roles admit, in order, the one of the current page marked."""
    entries = sorted(_ENTRIES.values(), key=lambda e: (e.order, e.url_name))
    return [
        MenuItem(
            url=reverse(entry.url_name),
            label=entry.label,
            icon=entry.icon,
            active=current_view.startswith(entry.active_prefix or entry.url_name),
        )
        for entry in entries
        if entry.visible(user, scope)
    ]
