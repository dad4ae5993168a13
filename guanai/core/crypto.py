"""Encryption at rest, blind indexes and on-screen masks for personal data.

One master key (settings.DATA_KEY, 32 random bytes) yields four keys through
HKDF: an AES-256-GCM key for values kept encrypted in the database; an
HMAC-SHA256 key for blind indexes, the columns that let a caller find a row by
an exact value (an ID number, a phone number) without storing it in clear; the
access log's chain key; and the key of backup files. A fifth HKDF output is no
key but the key's check value, kept in the database (guanai.core.keycheck).

Losing the master key loses every encrypted value: back up var/data_key (or
GUANAI_DATA_KEY), and keep that backup apart from database backups, or the
encryption protects nothing.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DATA_KEY_BYTES = 32
# The version of the key a token was written under, so keys can be rotated later:
# a new version decrypts old tokens with the old key while writing new ones.
_VERSION = "1"
_PREFIX = _VERSION + "$"
# Bound into every token, so a token cannot be passed off under another version.
_ASSOCIATED_DATA = _VERSION.encode()
_NONCE_BYTES = 12
_TAG_BYTES = 16
_INDEX_BYTES = 16
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_NEW_KEY_HINT = (
    "make one with: python -c "
    '"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


class DecryptionError(ValueError):
    """A token that was altered, written under another key, or under an unknown key version."""


def load_data_key(var_dir: Path, configured: str) -> bytes | None:
    """The key from GUANAI_DATA_KEY, or the one kept in var_dir/data_key; None when neither is.

    Called once from settings, which never creates a key: a missing key may be a typo in
    an environment file on a database full of data (guanai.core.keycheck decides, once it
    can look at the database). A key that is malformed or readable by others stops the
    process at start-up.
    """
    if configured:
        return _decode_key(configured.strip(), source="GUANAI_DATA_KEY")
    path = var_dir / "data_key"
    if not path.exists():
        return None
    return _read_key_file(path)


def load_or_create_data_key(var_dir: Path, configured: str) -> bytes:
    """As load_data_key(), creating var_dir/data_key, readable by its owner only, when there is
    no key. Only guanai.core.keycheck calls it, after making sure the database holds nothing
    encrypted."""
    key = load_data_key(var_dir, configured)
    if key is not None:
        return key
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "data_key"
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def _create_key_file(path: Path) -> None:
    # Written in full under a temporary name, then linked into place: a process
    # starting at the same moment sees no key file or a complete one, never an
    # empty one, and link() never replaces a key another process put there first.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(base64.urlsafe_b64encode(os.urandom(DATA_KEY_BYTES)).decode() + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        # A key lost to a power cut after data was written under it loses that data.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        temporary.unlink()


def _read_key_file(path: Path) -> bytes:
    with path.open() as file:
        mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
        if mode & 0o077:
            raise ImproperlyConfigured(
                f"{path} is open to other users (mode {mode:o}); run: chmod 600 {path}"
            )
        return _decode_key(file.read().strip(), source=str(path))


def _decode_key(text: str, *, source: str) -> bytes:
    # The message never repeats the value: it may be a real key with a typo.
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{source} is not URL-safe base64; {_NEW_KEY_HINT}") from None
    if len(key) != DATA_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{source} must hold {DATA_KEY_BYTES} bytes, it holds {len(key)}; {_NEW_KEY_HINT}"
        )
    return key


@dataclass(frozen=True)
class _DerivedKeys:
    cipher: AESGCM
    index_key: bytes
    chain_key: bytes
    backup_key: bytes
    # Stored in the database at its first start (guanai.core.keycheck): a key that does not
    # give it back is not the key the data was written under. One-way, like the others.
    check: str


@functools.cache
def _derive(master: bytes) -> _DerivedKeys:
    # Keyed on the master key, so a test that swaps settings.DATA_KEY gets new keys.
    if not isinstance(master, bytes) or len(master) != DATA_KEY_BYTES:
        raise ImproperlyConfigured(f"settings.DATA_KEY must be {DATA_KEY_BYTES} bytes.")

    def expand(info: bytes) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(master)

    return _DerivedKeys(
        cipher=AESGCM(expand(b"guanai encryption v1")),
        index_key=expand(b"guanai blind index v1"),
        chain_key=expand(b"guanai audit chain v1"),
        backup_key=expand(b"guanai backup v1"),
        check=expand(b"guanai key check v1").hex(),
    )


def _keys() -> _DerivedKeys:
    master = getattr(settings, "DATA_KEY", None)
    if master is None:
        raise ImproperlyConfigured(
            "settings.DATA_KEY is not set: there is no GUANAI_DATA_KEY and no var/data_key. "
            "A new database gets one when it is migrated (python manage.py migrate)."
        )
    return _derive(master)


def key_check() -> str:
    """64 hex characters that identify the data key without revealing it or its other keys."""
    return _keys().check


def encrypt(plain: str) -> str:
    """A token "1$<base64 of nonce + ciphertext>"; "" (unknown) stays "", it hides nothing."""
    if not plain:
        return ""
    # Random 96-bit nonces are safe for about 2**32 values under one key, far more than
    # this system will hold.
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _keys().cipher.encrypt(nonce, plain.encode(), _ASSOCIATED_DATA)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def decrypt(token: str) -> str:
    """The clear text of a token from encrypt(); "" stays ""."""
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise DecryptionError("Encrypted value has an unknown key version.")
    body = token[len(_PREFIX) :]
    try:
        raw = binascii.a2b_base64(
            body.encode("ascii").translate(_URLSAFE_TO_STANDARD) + b"=" * (-len(body) % 4),
            strict_mode=True,
        )
    except ValueError:
        raise DecryptionError("Encrypted value is not valid base64.") from None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("Encrypted value is truncated.")
    try:
        plain = _keys().cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _ASSOCIATED_DATA)
    except InvalidTag:
        raise DecryptionError(
            "Encrypted value was altered or written under another data key."
        ) from None
    return plain.decode()


def blind_index(kind: str, value: str) -> str:
    """32 hex characters that are equal for equal (kind, value) pairs and reveal nothing else.

    The caller normalises value first (e.g. upper-case X in ID numbers). kind
    keeps equal values of different sorts apart: a phone number and an ID number
    that happen to match must not be linkable.
    """
    if not value:
        return ""
    # A NUL in kind could make ("a\0b", "c") and ("a", "b\0c") collide.
    if not kind or "\0" in kind:
        raise ValueError("A blind index kind must be non-empty and contain no NUL.")
    memo = _index_memo.get()
    if memo is not None and (kind, value) in memo:
        return memo[(kind, value)]
    message = kind.encode() + b"\0" + value.encode()
    index = hmac.digest(_keys().index_key, message, hashlib.sha256)[:_INDEX_BYTES].hex()
    if memo is not None:
        memo[(kind, value)] = index
    return index


# Within remembering_indexes(): an import asks for the same family member's index several
# times per row. Nowhere else, so clear values never outlive the work that needed them.
_index_memo: ContextVar[dict[tuple[str, str], str] | None] = ContextVar("index_memo", default=None)


@contextmanager
def remembering_indexes() -> Iterator[None]:
    token = _index_memo.set({})
    try:
        yield
    finally:
        _index_memo.reset(token)


def chain_digest(previous: str, record: bytes) -> str:
    """The access log's link: HMAC-SHA256 of the previous link and this record, under a key
    derived from the data key, so that whoever can write the database but lacks the key
    cannot forge or re-chain entries."""
    message = previous.encode() + b"\0" + record
    return hmac.new(_keys().chain_key, message, hashlib.sha256).hexdigest()


def backup_key() -> bytes:
    """The key of database backups (guanai.core.backup), derived from the data key: a backup
    restores only where the same data key is configured."""
    return _keys().backup_key


_ID_NUMBER_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def mask_id_number(value: str) -> str:
    """510821201203051234 → 510821************: the area code stays, the rest goes.

    An 18-character number is area (6) + birth date (8) + sequence (3, odd for men) +
    a check character computed from the first 17. The file and the roster show the birth
    date, gender and place of registration beside the number, so keeping the last four
    (as this mask once did) gave the whole number away. Hidden now is everything nobody
    without the right to reveal sees elsewhere: the sequence and the check character (and
    the birth date, not shown for every parent). Knowing all the rest still leaves 500
    numbers (the sequences of the gender's parity; the check character follows from
    them), and a role that only views children cannot try one: the search by ID number
    needs the right to reveal, and no page takes an ID number from its URL. The area code
    is kept so that numbers can be told apart at a glance; for a child it is the county
    their registration shows anyway.

    Anything else is all stars: the old 15-digit numbers (invalid since 2013) and
    malformed values, whose parts cannot be told apart.
    """
    if not _ID_NUMBER_SHAPE.fullmatch(value):
        return "*" * len(value)
    return value[:6] + "*" * 12


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; other numbers keep their last two characters."""
    if len(value) == 11 and value.isascii() and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def mask_address(value: str) -> str:
    """The first six characters (about province and city) then "****"; a shorter one is "****"."""
    if not value:
        return ""
    if len(value) <= 6:
        return "****"
    return value[:6] + "****"


_FILE_ASSOCIATED_DATA = b"guanai file v1"


def seal(data: bytes) -> bytes:
    """A file's bytes encrypted (an uploaded roster kept between its check and its import)."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _keys().cipher.encrypt(nonce, data, _FILE_ASSOCIATED_DATA)


def unseal(sealed: bytes) -> bytes:
    try:
        return _keys().cipher.decrypt(
            sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _FILE_ASSOCIATED_DATA
        )
    except InvalidTag:
        raise DecryptionError("Sealed file was altered or sealed under another key.") from None


# Files too large to hold in memory (a province's export) are sealed in segments: a header
# (magic and a random file id), then segments of _SEGMENT plain bytes, each encrypted on its
# own with its index and whether it is the last bound in, so no segment can be moved,
# dropped, or the file cut short without decrypting failing (the STREAM construction).
_STREAM_MAGIC = b"GUANAI-STREAM-1\n"
_STREAM_ID_BYTES = 16
_SEGMENT = 1 << 20
_SEALED_SEGMENT = _NONCE_BYTES + _SEGMENT + _TAG_BYTES


def _segment_data(file_id: bytes, index: int, last: bool) -> bytes:
    return _STREAM_MAGIC + file_id + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def seal_stream(source: IO[bytes], out: IO[bytes]) -> int:
    """Encrypt `source` into `out` segment by segment (memory flat in the file's size);
    returns the bytes written."""
    cipher = _keys().cipher
    file_id = os.urandom(_STREAM_ID_BYTES)
    out.write(_STREAM_MAGIC + file_id)
    written = len(_STREAM_MAGIC) + _STREAM_ID_BYTES
    index = 0
    chunk = source.read(_SEGMENT)
    while True:
        following = source.read(_SEGMENT) if len(chunk) == _SEGMENT else b""
        last = not following
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + cipher.encrypt(nonce, chunk, _segment_data(file_id, index, last))
        out.write(sealed)
        written += len(sealed)
        if last:
            return written
        chunk, index = following, index + 1


def unseal_stream(source: IO[bytes]) -> Iterator[bytes]:
    """The plain bytes of a file sealed by seal_stream, a segment at a time. Raises
    DecryptionError at the first segment altered, moved or missing (the end included)."""
    cipher = _keys().cipher
    header = source.read(len(_STREAM_MAGIC) + _STREAM_ID_BYTES)
    if not header.startswith(_STREAM_MAGIC) or len(header) != len(_STREAM_MAGIC) + 16:
        raise DecryptionError("Not a sealed stream.")
    file_id = header[len(_STREAM_MAGIC) :]
    index = 0
    sealed = source.read(_SEALED_SEGMENT)
    while True:
        following = source.read(_SEALED_SEGMENT) if len(sealed) == _SEALED_SEGMENT else b""
        last = not following
        try:
            yield cipher.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _segment_data(file_id, index, last)
            )
        except InvalidTag:
            raise DecryptionError(
                "Sealed stream was altered, cut or sealed under another key."
            ) from None
        if last:
            return
        sealed, index = following, index + 1
