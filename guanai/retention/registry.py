"""What the daily retention run clears besides children: each app that keeps something
for a limited time registers an Expiry here (in its AppConfig.ready), and
`retention_daily` runs them all without importing the apps.

An expiry runs by itself, reads its own period from the settings and returns how many
things it cleared; the run keeps the counts by name, and the command says each one in the
app's own words.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Expiry:
    # The count's key in the run's result, as "app.what" ("roster.import_files");
    # registering a name again replaces its expiry.
    name: str
    # Clear what has run out; how many were cleared.
    expire: Callable[[], int]
    # The sentence for the run's report, given the count (translated, for the console).
    describe: Callable[[int], str]


_EXPIRIES: dict[str, Expiry] = {}


def register(expiry: Expiry) -> None:
    _EXPIRIES[expiry.name] = expiry


def expiries() -> list[Expiry]:
    """Every registered expiry, in the order registered (that of INSTALLED_APPS)."""
    return list(_EXPIRIES.values())
