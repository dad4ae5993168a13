"""The data key checked against the database it was used for.

A mistyped or missing GUANAI_DATA_KEY used to go unnoticed: settings made a new key in
var/, `manage.py check` passed, every child's file answered 500, new writes went in under a
key nobody kept, the blind indexes no longer matched (the same ID number could be registered
twice) and the access log's chain read as broken. So:

- settings only reads a key, never creates one (crypto.load_data_key);
- the first migration of a database that holds nothing encrypted creates var/data_key if no
  key is configured, and stores the key's check value (DataKeyCheck, one row);
- every management command (Django's system checks run before migrate, db_worker,
  load_demo, import_roster, check …) and every web server process (guanai/wsgi.py) refuses
  to start while the key is missing or does not give the stored check value back;
- a database written before the check existed is tried against one of its encrypted values,
  and gets its row when that value opens.
"""

import hmac
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

from guanai.core.crypto import DecryptionError, decrypt, key_check, load_or_create_data_key
from guanai.core.fields import EncryptedTextField
from guanai.core.models import DataKeyCheck

MISSING = (
    "没有找到数据密钥（GUANAI_DATA_KEY 或 var/data_key），数据库里却已有加密的数据。"
    "系统不会新建密钥（新密钥读不出这些数据）。请配置原来的数据密钥后再启动。"
    " / No data key (GUANAI_DATA_KEY or var/data_key), yet the database holds encrypted data."
    " No new key is made, as it could not read that data: configure the original key."
)
WRONG = (
    "数据密钥与数据库不符：GUANAI_DATA_KEY（或 var/data_key）不是这个数据库所用的密钥。"
    "请配置原来的数据密钥后再启动。"
    " / The data key (GUANAI_DATA_KEY or var/data_key) is not the key this database was"
    " written under: configure the original key."
)


def data_key_problem(using: str = "default") -> str | None:
    """Why the configured data key cannot be used with this database, or None."""
    if not _migrated(using):
        return None  # nothing can be encrypted in it yet
    key = getattr(settings, "DATA_KEY", None)
    stored = DataKeyCheck.objects.using(using).values_list("value", flat=True).first()
    if key is None:
        return MISSING if stored is not None or _an_encrypted_value(using) else None
    if stored is not None:
        return None if hmac.compare_digest(stored, key_check()) else WRONG
    sample = _an_encrypted_value(using)
    if sample:
        try:
            decrypt(sample)
        except DecryptionError:
            return WRONG
    return None


def ensure_data_key(using: str = "default") -> None:
    """Refuse a key that does not fit the database; otherwise create the key of a database
    that has none (only when nothing in it is encrypted) and store the key's check value."""
    problem = data_key_problem(using)
    if problem:
        raise ImproperlyConfigured(problem)
    if not _migrated(using):
        return
    if getattr(settings, "DATA_KEY", None) is None:
        settings.DATA_KEY = load_or_create_data_key(settings.VAR_DIR, "")
    DataKeyCheck.objects.using(using).get_or_create(pk=1, defaults={"value": key_check()})


@register("guanai")
def check_data_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        problem = data_key_problem()
    except DatabaseError:
        return []  # no database to check against yet; the command will say so if it needs one
    if problem is None:
        return []
    return [Error(problem, id="guanai.E001")]


def ensure_after_migrate(using: str, **kwargs: Any) -> None:
    ensure_data_key(using)


def _migrated(using: str) -> bool:
    return DataKeyCheck._meta.db_table in connections[using].introspection.table_names()


def _an_encrypted_value(using: str) -> str:
    """One stored encrypted value as it lies in the database, or "" when there is none."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedTextField):
                continue
            with connection.cursor() as cursor:
                # Raw SQL: the field's own conversion would decrypt (and fail) on reading.
                column, table = quote(field.column), quote(model._meta.db_table)
                cursor.execute(
                    f"SELECT {column} FROM {table} WHERE {column} <> '' LIMIT 1"  # noqa: S608
                )
                row = cursor.fetchone()
            if row:
                return str(row[0])
    return ""
