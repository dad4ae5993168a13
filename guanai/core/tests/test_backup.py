"""Encrypted backups: a round trip through the real database (SQLite or PostgreSQL, whichever
the suite runs on), and every file that must be refused refused without touching the database."""

import io
import logging
import os
import stat
import struct
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import consent_and_photo, make_child, make_id_number
from guanai.accounts.models import Membership, User
from guanai.audit.models import AccessEvent
from guanai.audit.services import access_log_faults, access_record
from guanai.children.models import Child, Person
from guanai.core import backup
from guanai.core.backup import (
    MAGIC,
    POSTGRESQL,
    SQLITE,
    BackupError,
    BackupReader,
    BackupWriter,
    backup_database,
    restore_database,
)
from guanai.core.crypto import blind_index

ENGINE = SQLITE if connection.vendor == "sqlite" else POSTGRESQL
OTHER_ENGINE = POSTGRESQL if ENGINE == SQLITE else SQLITE
# Header: magic, version, metadata length, metadata, nonce prefix, key check.
_FIXED_HEADER = len(MAGIC) + 1 + 2


def counts() -> dict[str, int]:
    return {
        "children": Child.objects.count(),
        "persons": Person.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.all_objects.count(),
        "access events": AccessEvent.objects.count(),
    }


def everything() -> str:
    """Every row of the database, as Django's dumpdata writes it (bytes included)."""
    out = io.StringIO()
    call_command(
        "dumpdata",
        exclude=["contenttypes", "auth.permission", "sessions", "core.ratecounter"],
        use_base_manager=True,  # revoked memberships too (Membership.objects hides them)
        stdout=out,
    )
    return out.getvalue()


def wipe() -> None:
    AccessEvent.objects.all().delete()
    Child.objects.all().delete()
    Person.objects.all().delete()
    User.objects.all().delete()


def restore(path: Path) -> None:
    call_command("restore", str(path), interactive=False, stdout=io.StringIO())


def changed(path: Path, change) -> None:
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(data)))


@pytest.fixture
def made(tmp_path, kids, cast) -> Path:
    """A backup of the cast, their kids (one with a consent and a photo) and one access log
    entry, made by the command."""
    access_record(user=cast["county_admin"], action="reveal", target=f"child:{kids.village.pk}")
    consent_and_photo(cast["village_director"], kids.village.pk)
    out = tmp_path / "guanai.backup"
    call_command("backup", str(out), stdout=io.StringIO())
    return out


# The round trip


@pytest.mark.django_db(transaction=True)
def test_a_backup_brings_back_a_wiped_database(made, kids, places):
    before, rows = counts(), everything()
    village = Child.objects.select_related("father").get(pk=kids.village.pk)
    wipe()
    make_child(places.village, name="备份之后")
    assert Child.objects.count() == 1

    restore(made)

    assert counts() == before
    assert everything() == rows  # every table, every row, every value
    assert before["children"] == 4
    assert before["access events"] == 1
    back = Child.objects.select_related("father").get(pk=village.pk)
    assert back.name == "张小明"
    assert back.id_number == village.id_number == make_id_number(sequence=11)
    assert back.address == "东河镇长滩村三组12号"
    assert back.father.phone == "13800001111"
    assert (
        Child.objects.filter(
            id_number_index=blind_index("id_number", make_id_number(sequence=11))
        ).get()
        == back
    )
    assert not Child.objects.filter(name="备份之后").exists()
    assert list(access_log_faults()) == []


@pytest.mark.django_db(transaction=True)
def test_the_database_takes_new_writes_after_a_restore(made, places):
    wipe()
    restore(made)
    child = make_child(places.village, name="恢复之后", id_number=make_id_number(sequence=99))
    assert Child.objects.get(pk=child.pk).id_number == make_id_number(sequence=99)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_encrypted_and_readable_by_its_owner_only(made, kids):
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    content = made.read_bytes()
    assert content.startswith(MAGIC)
    for clear in ("张小明", "东河镇长滩村", "旺苍县", "county_admin"):
        assert clear.encode() not in content
    assert not list(made.parent.glob(".*.part"))


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_are_logged_without_data(tmp_path, kids, caplog):
    out = tmp_path / "guanai.backup"
    with caplog.at_level(logging.INFO, logger="guanai.core.backup"):
        call_command("backup", str(out), stdout=io.StringIO())
        restore(out)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"Database backup written ({ENGINE}" in logged
    assert f"Database restored from a {ENGINE} backup" in logged
    for clear in ("张小明", kids.village.id_number, "13800001111"):
        assert clear not in logged


def test_a_failed_backup_leaves_no_file(tmp_path, monkeypatch):
    def fail(*args):
        raise BackupError("失败")

    monkeypatch.setattr(backup, "_dump_sqlite", fail)
    monkeypatch.setattr(backup, "_dump_postgresql", fail)
    with pytest.raises(BackupError):
        backup_database(tmp_path / "guanai.backup")
    assert list(tmp_path.iterdir()) == []


# Files refused, the database untouched


def refused(path: Path, message: str) -> None:
    before = counts()
    with pytest.raises(CommandError, match=message):
        restore(path)
    assert counts() == before
    assert Child.objects.filter(name="备份之后").exists()


@pytest.fixture
def changed_since(made, places) -> Path:
    """The backup, and a child added after it was made: a restore that went ahead drops it."""
    make_child(places.village, name="备份之后")
    return made


@pytest.mark.django_db(transaction=True)
def test_a_file_with_an_altered_byte_is_refused(changed_since):
    middle = changed_since.stat().st_size // 2

    def flip(data):
        data[middle] ^= 0x01
        return data

    changed(changed_since, flip)
    refused(changed_since, "已损坏或被改动")


@pytest.mark.django_db(transaction=True)
def test_a_file_with_its_creation_time_altered_is_refused(changed_since):
    changed(changed_since, lambda data: data.replace(b'"created":"2', b'"created":"1', 1))
    refused(changed_since, "已损坏或被改动")


@pytest.mark.django_db(transaction=True)
def test_a_truncated_file_is_refused(changed_since):
    changed(changed_since, lambda data: data[:-100])
    refused(changed_since, "不完整")


@pytest.mark.django_db(transaction=True)
def test_a_file_made_with_another_data_key_is_refused(changed_since, settings):
    settings.DATA_KEY = os.urandom(32)
    refused(changed_since, "另一个数据密钥")


@pytest.mark.django_db(transaction=True)
def test_a_file_for_another_engine_is_refused(tmp_path, places):
    make_child(places.village, name="备份之后")
    path = tmp_path / "other.backup"
    with path.open("wb") as out:
        writer = BackupWriter(out, engine=OTHER_ENGINE)
        writer.write(b"whatever the other engine wrote")
        writer.finish()
    refused(path, "无法恢复到这里")


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_no_backup_is_refused(tmp_path, places):
    make_child(places.village, name="备份之后")
    path = tmp_path / "guanai.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    refused(path, "不是关爱系统的备份文件")


@pytest.mark.django_db(transaction=True)
def test_a_restore_not_confirmed_changes_nothing(changed_since, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    before = counts()
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(changed_since), stdout=io.StringIO())
    assert counts() == before


@pytest.mark.django_db
def test_backup_and_restore_refuse_to_run_inside_a_transaction(tmp_path):
    with pytest.raises(BackupError, match="事务"):
        backup_database(tmp_path / "guanai.backup")
    with pytest.raises(BackupError, match="事务"):
        restore_database(tmp_path / "guanai.backup")


def test_missing_postgresql_tools_are_named(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackupError, match=r"找不到 pg_dump.*postgresql-client"):
        backup._pg_tool("pg_dump")


# The file format, in memory


def sealed(data: bytes, *, chunk_size: int) -> bytes:
    out = io.BytesIO()
    writer = BackupWriter(out, engine=SQLITE, chunk_size=chunk_size)
    for start in range(0, len(data), 7):
        writer.write(data[start : start + 7])
    writer.finish()
    return out.getvalue()


def opened(content: bytes) -> bytes:
    return b"".join(BackupReader(io.BytesIO(content)).chunks())


def chunk_offsets(content: bytes) -> list[int]:
    """Where each chunk starts (at its length field)."""
    metadata_length = struct.unpack(">H", content[len(MAGIC) + 1 : _FIXED_HEADER])[0]
    offset = _FIXED_HEADER + metadata_length + 8 + 16
    offsets = []
    while offset < len(content):
        offsets.append(offset)
        offset += 4 + struct.unpack(">I", content[offset : offset + 4])[0]
    return offsets


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 1000])
def test_what_is_written_is_read_back_whatever_its_size(size):
    data = os.urandom(size)
    content = sealed(data, chunk_size=100)
    assert opened(content) == data
    assert len(chunk_offsets(content)) == max(1, -(-size // 100))


def test_a_file_cut_at_a_chunk_boundary_is_refused():
    content = sealed(os.urandom(1000), chunk_size=100)
    with pytest.raises(BackupError, match="不完整"):
        opened(content[: chunk_offsets(content)[-1]])


def test_chunks_swapped_are_refused():
    content = sealed(os.urandom(1000), chunk_size=100)
    first, second, third = chunk_offsets(content)[:3]
    swapped = content[:first] + content[second:third] + content[first:second] + content[third:]
    with pytest.raises(BackupError, match="第 1 段"):
        opened(swapped)


def test_data_after_the_last_chunk_is_refused():
    content = sealed(os.urandom(250), chunk_size=100)
    with pytest.raises(BackupError, match="多余的数据"):
        opened(content + b"\x00")


def test_an_unknown_format_version_is_refused():
    content = bytearray(sealed(b"data", chunk_size=100))
    content[len(MAGIC)] = 2
    with pytest.raises(BackupError, match="格式版本是 2"):
        opened(bytes(content))


def test_an_absurd_chunk_size_in_the_header_is_refused():
    content = sealed(b"data", chunk_size=10_000_000)
    with pytest.raises(BackupError, match="文件头内容不对"):
        opened(content.replace(b'"chunk_size":10000000', b'"chunk_size":99999999'))
