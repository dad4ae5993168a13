"""Encrypted backups of the whole database, and their restore (`manage.py backup` / `restore`).

SQLite is copied with its online backup API (safe while the server runs: in WAL mode writers
go on while the copy reads one snapshot); PostgreSQL with pg_dump in its custom format. Either
way the copy is encrypted as it is written, under a key derived from the data key: a backup
restores only where that key is configured, and tells nothing to whoever finds it without it.

File format, version 1:

    magic       8 bytes   b"GUANAIBK"
    version     1 byte    1
    length      2 bytes   big-endian length of the metadata
    metadata    JSON      {"engine": "sqlite" | "postgresql", "created": ISO 8601, "chunk_size": n}
    prefix      8 bytes   random; each chunk's nonce is the prefix and the chunk's 4-byte counter
    key check  16 bytes   the AES-GCM tag of nothing, under a nonce no chunk uses: tells "made
                          with another key" apart from "altered"
    chunks                each a 4-byte length and AES-256-GCM of up to chunk_size bytes, with
                          the SHA-256 of everything above and a final flag (1 on the last chunk)
                          as associated data: a header altered, a chunk altered, re-ordered or
                          dropped, and a file cut short are all detected.

A restore decrypts and checks the whole file into a private temporary directory first; only a
file that checks out in full replaces the database.
"""

import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from guanai.core.crypto import backup_key
from guanai.core.errors import ApplicationError

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

MAGIC = b"GUANAIBK"
VERSION = 1
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
CHUNK_SIZE = 1024 * 1024
# A larger chunk size in a header is an altered header, not a reason to allocate gigabytes.
_MAX_CHUNK_SIZE = 64 * 1024 * 1024
_PREFIX_BYTES = 8
_TAG_BYTES = 16
# Chunk counters stop below this nonce, kept for the key check.
_KEY_CHECK_COUNTER = 0xFFFFFFFF
_KEY_CHECK_ASSOCIATED_DATA = b"guanai backup key check"
_LAST = b"\x01"
_NOT_LAST = b"\x00"
_READ_SIZE = 1024 * 1024
# How often long work says how far it has got.
_PROGRESS_SECONDS = 2.0
# Pages the SQLite backup API copies per step of a restore (4 KB pages: 64 MB a step).
_RESTORE_PAGES_PER_STEP = 16384

_NOT_OURS = "这不是关爱系统的备份文件，无法恢复。数据库未改动。"
_ALTERED = "备份文件已损坏或被改动（{where}），无法恢复。数据库未改动。"
_TRUNCATED = "备份文件不完整（被截断），无法恢复。数据库未改动。"


class BackupError(ApplicationError):
    """A backup that cannot be made, or a file that must not be restored; the database is as it was."""


@dataclass(frozen=True)
class BackupInfo:
    engine: str
    created: datetime
    chunk_size: int


# Writing


class BackupWriter:
    """Encrypts a stream of bytes into a backup file, chunk by chunk, in constant memory."""

    def __init__(self, out: IO[bytes], *, engine: str, chunk_size: int = CHUNK_SIZE) -> None:
        self._out = out
        self._chunk_size = chunk_size
        self._cipher = AESGCM(backup_key())
        self._prefix = os.urandom(_PREFIX_BYTES)
        self.info = BackupInfo(engine=engine, created=timezone.now(), chunk_size=chunk_size)
        metadata = json.dumps(
            {"engine": engine, "created": self.info.created.isoformat(), "chunk_size": chunk_size},
            separators=(",", ":"),
        ).encode()
        header = MAGIC + bytes([VERSION]) + struct.pack(">H", len(metadata)) + metadata
        header += self._prefix
        header += self._cipher.encrypt(
            self._nonce(_KEY_CHECK_COUNTER), b"", _KEY_CHECK_ASSOCIATED_DATA
        )
        out.write(header)
        self._header_digest = hashlib.sha256(header).digest()
        self._buffer = bytearray()
        self._counter = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Strictly more than a chunk: the last chunk is only known to be last at finish().
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _nonce(self, counter: int) -> bytes:
        return self._prefix + struct.pack(">I", counter)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        if self._counter >= _KEY_CHECK_COUNTER:
            raise BackupError("数据库太大，超出了备份文件格式的上限。")
        associated = self._header_digest + (_LAST if last else _NOT_LAST)
        sealed = self._cipher.encrypt(self._nonce(self._counter), plain, associated)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1


@contextmanager
def _atomic_output(out: Path) -> Iterator[BinaryIO]:
    """A file only its owner can read, written under a temporary name and renamed to out once
    complete: a backup that failed halfway never passes for one that worked."""
    if out.is_dir():
        raise BackupError(f"{out} 是一个目录，请给出备份文件的名字。")
    if not out.parent.is_dir():
        raise BackupError(f"目录 {out.parent} 不存在。")
    temporary = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def backup_database(out: Path, *, progress: Progress | None = None) -> BackupInfo:
    """Write an encrypted backup of the configured database to out (mode 600)."""
    report = progress or _silent
    engine = _configured_engine()
    started = time.monotonic()
    with _atomic_output(out) as handle:
        writer = BackupWriter(handle, engine=engine)
        if engine == SQLITE:
            _dump_sqlite(writer, report)
        else:
            _dump_postgresql(writer, report)
        writer.finish()
    logger.info(
        "Database backup written (%s, %d bytes in %.1f s).",
        engine,
        out.stat().st_size,
        time.monotonic() - started,
    )
    return writer.info


def _dump_sqlite(writer: BackupWriter, report: Progress) -> None:
    with _private_directory() as directory:
        copy = directory / "backup.sqlite3"
        source = _sqlite_connect(_sqlite_path())
        target = _sqlite_connect(str(copy))
        try:
            report("正在在线复制 SQLite 数据库……")
            # One step (pages=-1) copies one consistent snapshot while the server goes on
            # writing (WAL). Copying in steps would restart whenever the server writes.
            source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"无法复制 SQLite 数据库：{error}") from None
        finally:
            target.close()
            source.close()
        total = copy.stat().st_size
        meter = _Meter(report, "加密", total)
        with copy.open("rb") as plain:
            while data := plain.read(_READ_SIZE):
                writer.write(data)
                meter.advance(len(data))
        meter.done()


def _dump_postgresql(writer: BackupWriter, report: Progress) -> None:
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-password"]
    report("正在用 pg_dump 导出 PostgreSQL 数据库……")
    # pg_dump's messages go to a file: a pipe nobody reads could fill up and stall it.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command, stdout=subprocess.PIPE, stderr=errors, env=_pg_environment()
        )
        assert process.stdout is not None
        meter = _Meter(report, "导出并加密", None)
        try:
            while data := process.stdout.read(_READ_SIZE):
                writer.write(data)
                meter.advance(len(data))
        finally:
            process.stdout.close()
            returncode = process.wait()
        if returncode != 0:
            raise BackupError(f"pg_dump 失败（退出码 {returncode}）：{_tail(errors)}")
        meter.done()


# Reading


class BackupReader:
    """Reads a backup file's header on opening (refusing another key), then its chunks."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        if _read(file, len(MAGIC), allow_short=True) != MAGIC:
            raise BackupError(_NOT_OURS)
        version = _read(file, 1)[0]
        if version != VERSION:
            raise BackupError(
                f"备份文件的格式版本是 {version}，这个版本的系统只认识版本 {VERSION}。数据库未改动。"
            )
        length = _read(file, 2)
        metadata = _read(file, struct.unpack(">H", length)[0])
        self.info = _parse_metadata(metadata)
        self._prefix = _read(file, _PREFIX_BYTES)
        key_check = _read(file, _TAG_BYTES)
        self._cipher = AESGCM(backup_key())
        try:
            self._cipher.decrypt(
                self._nonce(_KEY_CHECK_COUNTER), key_check, _KEY_CHECK_ASSOCIATED_DATA
            )
        except InvalidTag:
            raise BackupError(
                "这份备份是用另一个数据密钥加密的，与本系统的数据密钥（var/data_key 或 "
                "GUANAI_DATA_KEY）不符，无法恢复。数据库未改动。"
            ) from None
        header = MAGIC + bytes([version]) + length + metadata + self._prefix + key_check
        self._header_digest = hashlib.sha256(header).digest()

    def _nonce(self, counter: int) -> bytes:
        return self._prefix + struct.pack(">I", counter)

    def _open(self, counter: int, sealed: bytes) -> tuple[bytes, bool]:
        """A chunk's clear bytes, and whether the writer marked it as the last."""
        nonce = self._nonce(counter)
        for flag in (_NOT_LAST, _LAST):
            try:
                plain = self._cipher.decrypt(nonce, sealed, self._header_digest + flag)
            except InvalidTag:
                continue
            return plain, flag == _LAST
        where = "文件头或第 1 段" if counter == 0 else f"第 {counter + 1} 段"
        raise BackupError(_ALTERED.format(where=f"{where}校验失败"))

    def chunks(self) -> Iterator[bytes]:
        """The clear bytes, chunk by chunk, each checked before it is given out."""
        counter = 0
        while True:
            length_bytes = _read(self._file, 4)
            length = struct.unpack(">I", length_bytes)[0]
            if not _TAG_BYTES <= length <= self.info.chunk_size + _TAG_BYTES:
                raise BackupError(_ALTERED.format(where=f"第 {counter + 1} 段的长度不对"))
            sealed = _read(self._file, length)
            plain, last = self._open(counter, sealed)
            if last and self._file.read(1):
                raise BackupError(_ALTERED.format(where="结尾之后还有多余的数据"))
            yield plain
            if last:
                return
            counter += 1
            if counter >= _KEY_CHECK_COUNTER:
                raise BackupError(_ALTERED.format(where="分段过多"))


def _read(file: IO[bytes], size: int, *, allow_short: bool = False) -> bytes:
    data = file.read(size)
    if len(data) != size and not allow_short:
        raise BackupError(_TRUNCATED)
    return data


def _parse_metadata(raw: bytes) -> BackupInfo:
    try:
        metadata = json.loads(raw)
        engine = metadata["engine"]
        created = datetime.fromisoformat(metadata["created"])
        chunk_size = metadata["chunk_size"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(_ALTERED.format(where="文件头无法读取")) from None
    if (
        engine not in ENGINE_NAMES
        or not isinstance(chunk_size, int)
        or not 0 < chunk_size <= _MAX_CHUNK_SIZE
        or timezone.is_naive(created)
    ):
        raise BackupError(_ALTERED.format(where="文件头内容不对"))
    return BackupInfo(engine=engine, created=created, chunk_size=chunk_size)


@contextmanager
def _open_backup(path: Path) -> Iterator[BackupReader]:
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件 {path}。") from None
    except IsADirectoryError:
        raise BackupError(f"{path} 是一个目录，不是备份文件。") from None
    with file:
        yield BackupReader(file)


def backup_check(path: Path) -> BackupInfo:
    """What can be known of a backup without reading it whole: that it is one, made with this
    data key, for the configured kind of database. Raises BackupError otherwise."""
    engine = _configured_engine()
    with _open_backup(path) as reader:
        info = reader.info
    if info.engine != engine:
        raise BackupError(
            f"这份备份来自 {ENGINE_NAMES[info.engine]} 数据库，当前配置的是 "
            f"{ENGINE_NAMES[engine]}，无法恢复到这里。数据库未改动。"
        )
    return info


# Restoring


def restore_database(path: Path, *, progress: Progress | None = None) -> BackupInfo:
    """Replace the configured database's contents with a backup's, once the whole file has
    been decrypted and checked; a file that does not check out leaves the database untouched."""
    report = progress or _silent
    info = backup_check(path)
    started = time.monotonic()
    with _private_directory() as directory:
        plain = directory / "restore"
        with _open_backup(path) as reader, _private_file(plain) as out:
            meter = _Meter(report, "解密并校验", path.stat().st_size)
            for chunk in reader.chunks():
                out.write(chunk)
                meter.advance(len(chunk))
            meter.done()
        if info.engine == SQLITE:
            _restore_sqlite(plain, report)
        else:
            _restore_postgresql(plain, report)
    logger.info(
        "Database restored from a %s backup made at %s (%.1f s).",
        info.engine,
        info.created.isoformat(),
        time.monotonic() - started,
    )
    return info


def _restore_sqlite(plain: Path, report: Progress) -> None:
    report("正在检查备份中的数据库（PRAGMA integrity_check）……")
    source = _sqlite_connect(str(plain))
    try:
        try:
            result = source.execute("PRAGMA integrity_check").fetchall()
            migrated = source.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"备份中的数据库无法读取（{error}）。数据库未改动。") from None
        if result != [("ok",)] or not migrated:
            raise BackupError("备份中的数据库未通过完整性检查，无法恢复。数据库未改动。")
        report("正在写入数据库……")
        target = _sqlite_connect(_sqlite_path())
        try:
            source.backup(
                target,
                pages=_RESTORE_PAGES_PER_STEP,
                progress=lambda _status, remaining, pages: report(
                    f"写入数据库：{_percent(pages - remaining, pages)}"
                ),
            )
        except sqlite3.Error as error:
            raise BackupError(f"写入数据库失败：{error}") from None
        finally:
            target.close()
    finally:
        source.close()


def _restore_postgresql(plain: Path, report: Progress) -> None:
    database = connection.settings_dict["NAME"]
    if not database:
        raise BackupError("DATABASE_URL 中没有数据库名，无法恢复。")
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        # All or nothing: a restore that fails halfway leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={database}",
        str(plain),
    ]
    report("正在用 pg_restore 恢复 PostgreSQL 数据库……")
    with tempfile.TemporaryFile() as errors:
        returncode = subprocess.call(  # noqa: S603 - fixed arguments, no shell
            command, stdout=subprocess.DEVNULL, stderr=errors, env=_pg_environment()
        )
        if returncode != 0:
            raise BackupError(
                f"pg_restore 失败（退出码 {returncode}），数据库未改动：{_tail(errors)}"
            )


# The database and its tools


def _configured_engine() -> str:
    if connection.in_atomic_block:
        # Backup and restore work through their own connections, which would not see what
        # this transaction has not committed, and would wait for its locks.
        raise BackupError("不能在数据库事务之中备份或恢复。")
    if connection.vendor == "sqlite":
        return SQLITE
    if connection.vendor == "postgresql":
        return POSTGRESQL
    raise BackupError(f"不支持备份 {connection.vendor} 数据库，只支持 SQLite 和 PostgreSQL。")


def _sqlite_path() -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复。")
    return name


def _sqlite_connect(path: str) -> sqlite3.Connection:
    """A connection of its own, made as Django makes its connections: with the same pragmas
    (busy timeout, WAL) and functions (the schema's CHECK constraints call REGEXP)."""
    return connection.get_new_connection({**connection.get_connection_params(), "database": path})


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}。请安装 PostgreSQL 客户端工具（例如 apt install postgresql-client，"
            "版本不低于数据库服务器），并确保它在 PATH 中。"
        )
    return path


def _pg_environment() -> dict[str, str]:
    """Connection settings as libpq's environment variables: a password never appears in
    the process list."""
    database = connection.settings_dict
    options = database.get("OPTIONS") or {}
    environment = dict(os.environ)
    for variable, value in {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
    }.items():
        if value:
            environment[variable] = str(value)
    return environment


def _tail(errors: IO[bytes]) -> str:
    errors.seek(0)
    lines = errors.read().decode(errors="replace").strip().splitlines()
    return "\n".join(lines[-5:]) or "没有输出"


# Files and progress


@contextmanager
def _private_directory() -> Iterator[Path]:
    """A directory only the owner can enter (mode 700), under the var directory where the
    database and the data key already live, removed with what it holds afterwards."""
    base = Path(settings.VAR_DIR)
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=base) as directory:
        yield Path(directory)


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _silent(_message: str) -> None:
    pass


class _Meter:
    """Says how far long work has got, every few seconds and at the end."""

    def __init__(self, report: Progress, label: str, total: int | None) -> None:
        self._report = report
        self._label = label
        self._total = total
        self._done = 0
        self._last = time.monotonic()

    def advance(self, amount: int) -> None:
        self._done += amount
        now = time.monotonic()
        if now - self._last >= _PROGRESS_SECONDS:
            self._last = now
            self._report(self._line())

    def done(self) -> None:
        self._report(f"{self._label}完成：{_size(self._done)}")

    def _line(self) -> str:
        if self._total:
            done = min(self._done, self._total)
            share = _percent(done, self._total)
            return f"{self._label}：{share}（{_size(done)} / {_size(self._total)}）"
        return f"{self._label}：{_size(self._done)}"


def _size(amount: int) -> str:
    return str(filesizeformat(amount))


def _percent(done: int, total: int) -> str:
    return f"{min(done, total) / total if total else 1:.0%}"
