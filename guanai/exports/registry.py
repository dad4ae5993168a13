"""What can be exported: each app that has an export registers an Exporter here (in its
AppConfig.ready), and the export jobs run them without knowing any domain.

An exporter is used three times for one export: when it is asked for (in the web request:
is the user allowed, is the filter readable? nothing is read beyond that), when the job
runs (the same checks again, on the user's rights as they are then, then the rows), and
when the file is downloaded (is the user still allowed?).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from guanai.accounts.models import User


@dataclass(frozen=True)
class Prepared:
    """An export request checked: the parameters the job will need (kept encrypted until
    it ends), and the filter as the access log keeps it."""

    params: dict[str, str]
    logged: dict[str, str]


@dataclass(frozen=True)
class Rows:
    """What a job writes: how many rows there will be, the rows, their header for CSV,
    and how the exporter lays them out in a workbook (returning the rows written)."""

    total: int
    rows: Iterator[list[Any]]
    headers: list[str]
    write_xlsx: Callable[[Iterable[list[Any]], IO[bytes]], int]


@dataclass(frozen=True)
class Exporter:
    kind: str
    # The file's name (before the date) and the job page's heading, in the user's language.
    title: Callable[[], str]
    # Raise Http404 (no right to this export at all) or ApplicationError (not in full, for
    # example) for a user who may not have this export, or no longer may download it.
    authorize: Callable[[User, bool], None]
    # Check a request (user, its parameters, full, reason) and keep what the job needs;
    # raise ApplicationError with the reason it is refused.
    prepare: Callable[[User, Mapping[str, Any], bool, str], Prepared]
    # The rows, as the job reads them: (user, prepared parameters, full, the day asked).
    open: Callable[[User, Mapping[str, str], bool, date], Rows]
    # What the filter was, in words, for the user's list of exports: (user, logged filter).
    describe: Callable[[User, Mapping[str, str]], str] = lambda _user, _filter: ""


_EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    _EXPORTERS[exporter.kind] = exporter


def exporter_for(kind: str) -> Exporter:
    return _EXPORTERS[kind]


def kinds() -> list[str]:
    return sorted(_EXPORTERS)
