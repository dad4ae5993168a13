"""What can be exported: each app that has an export registers an Exporter here (in its
AppConfig.ready), and the export jobs run them without knowing any domain.

An exporter is used three times for one export: when it is asked for (in the web request:
is the user allowed, is the filter readable? nothing is read beyond that), when the job
runs (the same checks again, on the user's rights as they are then, then the rows), and
when the file is downloaded (is the user still allowed?).
"""

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, TypeVar

from django import forms
from django.db import connections, router
from django.db.models import Model, QuerySet

from guanai.accounts.models import User

M = TypeVar("M", bound=Model)
# Rows read per query by rows_in_chunks: as many as one query may carry ids, up to this.
CHUNK = 2000


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


def rows_in_chunks(
    selected: QuerySet[M], to_rows: Callable[[QuerySet[M]], Iterable[list[Any]]]
) -> tuple[int, Iterator[list[Any]]]:
    """How many rows there are, and the rows, read a chunk at a time, in order.

    The ids are read first, in the queryset's order (8 bytes each: a province's 700 000 take
    5.6 MB), then the rows by chunks of ids, each query read whole before its rows are
    handed on. So no cursor stays open while the job writes its progress: on SQLite a write
    on a connection whose read is still open fails once another connection has written (an
    import running beside the export), and that read would never see a stop asked for.
    """
    ids = array("q", selected.values_list("pk", flat=True).iterator(chunk_size=10_000))
    features = connections[router.db_for_read(selected.model)].features
    # Room for the filter's own parameters beside the ids.
    size = min(CHUNK, (features.max_query_params or CHUNK + 100) - 100)

    def rows() -> Iterator[list[Any]]:
        for start in range(0, len(ids), size):
            part = ids[start : start + size].tolist()
            yield from list(to_rows(selected.filter(pk__in=part)))

    return len(ids), rows()


def filter_described(
    form: forms.BaseForm,
    logged: Mapping[str, str],
    labels: Mapping[str, Any],
    *,
    named: Callable[[str, str], str | None] = lambda _key, _value: None,
) -> str:
    """An export's filter in words, for the user's list of exports: "乡镇：东河镇 ·
    风险等级：高", in the order of `labels` (key: label), each value by `named` where it
    gives a name, else by its label among the form field's choices, else as logged."""
    parts = []
    for key, label in labels.items():
        value = logged.get(key)
        if not value:
            continue
        shown = named(key, value)
        if shown is None:
            choices = getattr(form.fields[key], "choices", None)
            shown = str(dict(choices).get(value, value)) if choices else value
        parts.append(f"{label}：{shown}")
    return " · ".join(parts)
