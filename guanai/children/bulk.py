"""Fast batched writing of children and their families, for the demo's generator and for
roster imports: plain executemany INSERTs (COPY on PostgreSQL) with keys drawn beforehand.

It exists for size. bulk_create took eight minutes for a million children, most of it in its
SQL compiler asking every field of every row for its database value; `Table` sends the rows
with keys drawn from the table's sequence beforehand, and the same million takes about five
and a half. `Factory` makes the instances cheaply.
"""

import functools
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


class Factory(Generic[M]):
    """Model instances from values by attribute name, made through the positional constructor
    (the path Model.from_db takes): a third of the cost of keyword arguments, and a province
    needs millions of them. Fields with a callable default (now, a fresh list) must be given.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.known = frozenset(self.attnames)
        self.defaults = {
            f.attname: f.get_default()
            for f in fields
            if not (f.has_default() and callable(f.default))
        }

    def make(self, **values: Any) -> M:
        unknown = values.keys() - self.known
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field {', '.join(unknown)}")
        given = self.defaults | values
        return self.model(*[given[attname] for attname in self.attnames])


def _values_of(attnames: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function reading these attributes of an object as a tuple, in one call."""
    if not attnames:
        return lambda obj: ()
    if len(attnames) == 1:
        one = operator.attrgetter(attnames[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*attnames)


class Table:
    """Plain INSERTs for one model, sent with executemany, keys drawn from the table's sequence.

    bulk_create spent 60 % of a province load in its SQL compiler, asking every field of
    every row for its database value (a million children came to eight minutes). Here the
    fields whose Python value is the database value are read in one go, dates go straight to
    the backend's adapter, and only the others (encrypted text, sets of choices, JSON) are
    asked, as bulk_create asks them. SQLite and PostgreSQL only.
    """

    # Exactly these types: subclasses such as EncryptedTextField and ChoiceSetField change
    # the value on its way to the database.
    _AS_IS = frozenset(
        {
            models.BigAutoField,
            models.BooleanField,
            models.CharField,
            models.ForeignKey,
            models.IntegerField,
            models.PositiveSmallIntegerField,
            models.TextField,
        }
    )

    def __init__(self, model: type[models.Model]) -> None:
        self.connection = connections[router.db_for_write(model)]
        if self.connection.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"bulk writer: no support for {self.connection.vendor}")
        meta = model._meta
        quote = self.connection.ops.quote_name
        plain = [f for f in meta.concrete_fields if type(f) in self._AS_IS]
        prepared = [f for f in meta.concrete_fields if type(f) not in self._AS_IS]
        self.plain_values = _values_of([f.attname for f in plain])
        self.prepared_values = _values_of([f.attname for f in prepared])
        # The columns in the order rows are sent (insert_rows takes rows in this order).
        self.fields: list[models.Field] = plain + prepared
        self.converters = [self._converter(f) for f in prepared]
        self.foreign_keys = [f for f in plain if isinstance(f, models.ForeignKey)]
        self.auto_now = [
            f.attname
            for f in prepared
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
        ]
        self.table, self.pk_column = meta.db_table, meta.pk.column
        # Table and column names come from the model, never from input.
        columns = ", ".join(quote(f.column) for f in plain + prepared)
        values = ", ".join(["%s"] * (len(plain) + len(prepared)))
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({values})"  # noqa: S608
        self.copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"

    def _keys(self, count: int) -> Sequence[int]:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(self.table), self.pk_column, count],
                )
                return [key for (key,) in cursor.fetchall()]
            # SQLite: the transaction holds the write lock, so nobody takes these keys meanwhile.
            # AUTOINCREMENT keys are never reused, hence the sequence besides the largest key.
            cursor.execute(f"SELECT MAX({quote(self.pk_column)}) FROM {quote(self.table)}")  # noqa: S608
            (largest,) = cursor.fetchone()
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            start = max(largest or 0, row[0] if row else 0) + 1
            return range(start, start + count)

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        """What turns the field's value into the database's (auto_now is set in insert)."""
        if type(field) is models.DateField:
            return self.connection.ops.adapt_datefield_value
        if type(field) is models.DateTimeField:
            return self.connection.ops.adapt_datetimefield_value
        return functools.partial(field.get_db_prep_save, connection=self.connection)

    def insert(self, objs: Sequence[models.Model]) -> None:
        if not objs:
            return
        now = timezone.now()  # one moment for the batch's auto_now fields, as in bulk_create
        for obj, key in zip(objs, self._keys(len(objs)), strict=True):
            obj.pk = key
            for auto_now in self.auto_now:
                setattr(obj, auto_now, now)
            # Take the keys of related rows written just before, as bulk_create does.
            for foreign_key in self.foreign_keys:
                if foreign_key.is_cached(obj):
                    related = foreign_key.get_cached_value(obj)
                    setattr(obj, foreign_key.attname, related.pk if related else None)
        plain, prepared, converters = self.plain_values, self.prepared_values, self.converters
        rows = [
            (
                *plain(obj),
                *[convert(v) for convert, v in zip(converters, prepared(obj), strict=True)],
            )
            for obj in objs
        ]
        self.insert_rows(rows)

    def keys(self, count: int) -> Sequence[int]:
        """`count` new keys for rows given to insert_rows."""
        return self._keys(count)

    def insert_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows already holding the database's values, keys included, in `fields` order: for
        a generator that makes so many rows that even Factory's instances cost too much."""
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: several times faster than INSERTs, even pipelined ones.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, rows)


@contextmanager
def page_cache(connection: BaseDatabaseWrapper, kib: int) -> Iterator[None]:
    """A larger SQLite page cache while the load lasts: the children's twenty indexes take
    rows in random order, and with the default 2 MB cache the same pages go out to the
    write-ahead log again and again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
