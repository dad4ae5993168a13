"""Encryption at rest, blind indexes, the data key file, the masks and the encrypted field."""

import base64
import io
import os
import re
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

from guanai.core.crypto import (
    DecryptionError,
    blind_index,
    decrypt,
    encrypt,
    load_or_create_data_key,
    mask_address,
    mask_id_number,
    mask_phone,
    seal_stream,
    unseal_stream,
)
from guanai.core.fields import EncryptedTextField

ID_NUMBER = "510821201203051234"


@pytest.fixture(autouse=True)
def data_key(settings):
    settings.DATA_KEY = os.urandom(32)
    return settings.DATA_KEY


def encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def retokened(token: str, change) -> str:
    """The token with its raw bytes passed through change()."""
    version, body = token.split("$")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    changed = change(raw)
    return version + "$" + base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()


# Encryption


@pytest.mark.parametrize(
    "plain",
    [
        ID_NUMBER,
        "四川省广元市旺苍县东河镇长滩村3组",
        "x",
        "父亲在广东打工 👷\n第二行",
        "a" * 10_000,
    ],
)
def test_it_decrypts_what_it_encrypted(plain):
    assert decrypt(encrypt(plain)) == plain


def test_a_token_names_its_key_version_and_hides_the_value():
    token = encrypt(ID_NUMBER)
    assert re.fullmatch(r"1\$[A-Za-z0-9_-]+", token)
    assert ID_NUMBER not in token


def test_two_encryptions_of_the_same_value_differ():
    assert encrypt(ID_NUMBER) != encrypt(ID_NUMBER)


def test_empty_stays_empty():
    assert encrypt("") == ""
    assert decrypt("") == ""
    assert blind_index("id_number", "") == ""


@pytest.mark.parametrize(
    "position", [0, 11, 12, 20, -1], ids=["nonce", "nonce end", "text", "text 2", "tag"]
)
def test_a_tampered_token_is_refused(position):
    def flip(raw):
        raw[position] ^= 0x01
        return raw

    with pytest.raises(DecryptionError):
        decrypt(retokened(encrypt(ID_NUMBER), flip))


@pytest.mark.parametrize(
    "token",
    ["1$", "1$AAAA", "1$not base64!", "1$中文", "1$" + "A" * 36],
    ids=["no body", "too short", "not base64", "not ascii", "shorter than nonce and tag"],
)
def test_a_malformed_token_is_refused(token):
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_a_truncated_token_is_refused():
    with pytest.raises(DecryptionError):
        decrypt(retokened(encrypt(ID_NUMBER), lambda raw: raw[:-1]))


def test_a_token_under_another_key_is_refused(settings):
    token = encrypt(ID_NUMBER)
    settings.DATA_KEY = os.urandom(32)
    with pytest.raises(DecryptionError):
        decrypt(token)


@pytest.mark.parametrize("version", ["2", "0", "", "11"])
def test_an_unknown_key_version_is_refused(version):
    body = encrypt(ID_NUMBER).removeprefix("1$")
    with pytest.raises(DecryptionError):
        decrypt(f"{version}${body}")


def test_a_token_without_a_version_is_refused():
    with pytest.raises(DecryptionError):
        decrypt(encrypt(ID_NUMBER).removeprefix("1$"))


def test_a_decryption_error_is_a_value_error():
    assert issubclass(DecryptionError, ValueError)


def test_an_unset_data_key_stops_with_a_clear_message(settings):
    del settings.DATA_KEY
    with pytest.raises(ImproperlyConfigured, match="DATA_KEY"):
        encrypt(ID_NUMBER)


def test_a_data_key_of_the_wrong_length_is_refused(settings):
    settings.DATA_KEY = os.urandom(16)
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        encrypt(ID_NUMBER)


# Blind indexes


def test_a_blind_index_is_stable_and_32_hex_characters():
    index = blind_index("id_number", ID_NUMBER)
    assert re.fullmatch(r"[0-9a-f]{32}", index)
    assert blind_index("id_number", ID_NUMBER) == index


def test_a_blind_index_differs_by_value_by_kind_and_by_key(settings):
    index = blind_index("id_number", ID_NUMBER)
    assert blind_index("id_number", "510821201203051235") != index
    assert blind_index("phone", ID_NUMBER) != index
    settings.DATA_KEY = os.urandom(32)
    assert blind_index("id_number", ID_NUMBER) != index


def test_a_blind_index_does_not_let_kind_and_value_run_together():
    assert blind_index("phone", "1" + ID_NUMBER) != blind_index("phone1", ID_NUMBER)


@pytest.mark.parametrize("kind", ["", "id\0number"])
def test_a_blind_index_refuses_an_empty_kind_or_one_with_nul(kind):
    with pytest.raises(ValueError, match="kind"):
        blind_index(kind, ID_NUMBER)


# The data key


def test_it_creates_an_owner_only_key_file_on_first_use_and_reads_it_back(tmp_path):
    var_dir = tmp_path / "var"
    key = load_or_create_data_key(var_dir, "")
    path = var_dir / "data_key"
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert base64.urlsafe_b64decode(path.read_text().strip()) == key
    assert load_or_create_data_key(var_dir, "") == key
    assert sorted(p.name for p in var_dir.iterdir()) == ["data_key"]


def test_two_first_runs_make_different_keys(tmp_path):
    assert load_or_create_data_key(tmp_path / "a", "") != load_or_create_data_key(
        tmp_path / "b", ""
    )


def test_a_key_file_written_by_a_process_starting_at_the_same_time_wins(tmp_path, monkeypatch):
    theirs = os.urandom(32)
    real_link = os.link

    def link_after_the_other_process(source, target):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, encoded(theirs).encode())
        os.close(fd)
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_the_other_process)
    assert load_or_create_data_key(tmp_path, "") == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data_key"]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_key_file_open_to_other_users_is_refused(tmp_path, mode):
    path = tmp_path / "data_key"
    path.write_text(encoded(os.urandom(32)))
    path.chmod(mode)
    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        load_or_create_data_key(tmp_path, "")


def test_a_malformed_key_file_is_refused(tmp_path):
    path = tmp_path / "data_key"
    path.write_text("not a key")
    path.chmod(0o600)
    with pytest.raises(ImproperlyConfigured, match="data_key"):
        load_or_create_data_key(tmp_path, "")


@pytest.mark.parametrize("strip_padding", [False, True])
def test_a_configured_key_is_used_and_no_file_is_made(tmp_path, strip_padding):
    key = os.urandom(32)
    configured = encoded(key).rstrip("=") if strip_padding else encoded(key)
    assert load_or_create_data_key(tmp_path, configured) == key
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "configured",
    [
        "not base64 at all!",
        encoded(os.urandom(16)),
        encoded(os.urandom(33)),
        encoded(os.urandom(32))[:-3] + "*==",
        "密钥",
    ],
    ids=["not base64", "16 bytes", "33 bytes", "bad character", "not ascii"],
)
def test_a_bad_configured_key_is_refused_without_repeating_it(tmp_path, configured):
    with pytest.raises(ImproperlyConfigured, match="GUANAI_DATA_KEY") as refused:
        load_or_create_data_key(tmp_path, configured)
    assert configured not in str(refused.value)


# Masks


# Each mask, with values and what it shows of them.
MASKED = {
    # Only the area: with the birth date and gender shown beside it, the last four
    # characters gave the whole number away.
    mask_id_number: [
        (ID_NUMBER, "510821************"),
        ("51082120120305123X", "510821************"),
        ("510821120305123", "***************"),  # 15 digits, before 1999
        ("5108212012030512x4", "******************"),  # an X before the end
        ("51082120120305123x", "******************"),  # not normalised
        ("５１０８２１２０１２０３０５１２３４", "******************"),  # full-width
        ("5108212012", "**********"),
        ("12345", "*****"),
        ("", ""),
    ],
    mask_phone: [
        ("13812345678", "138****5678"),
        ("0839-6221234", "**********34"),
        ("6221234", "*****34"),
        ("１３８１２３４５６７８", "*********７８"),
        ("1234", "****"),
        ("", ""),
    ],
    mask_address: [
        ("四川省广元市旺苍县东河镇长滩村3组", "四川省广元市****"),
        ("四川省广元市", "****"),
        ("长滩村", "****"),
        ("", ""),
    ],
}


@pytest.mark.parametrize(
    ("mask", "value", "masked"),
    [
        pytest.param(mask, value, masked, id=f"{mask.__name__}({value!r})")
        for mask, cases in MASKED.items()
        for value, masked in cases
    ],
)
def test_it_masks_id_numbers_phone_numbers_and_addresses(mask, value, masked):
    assert mask(value) == masked


# The encrypted field


@pytest.fixture
def field():
    field = EncryptedTextField(blank=True, default="")
    field.set_attributes_from_name("id_number")
    return field


def test_the_field_stores_a_token_and_reads_back_the_clear_value(field):
    stored = field.get_db_prep_save(ID_NUMBER, connection)
    assert stored.startswith("1$")
    assert ID_NUMBER not in stored
    assert field.from_db_value(stored, None, connection) == ID_NUMBER


def test_the_field_keeps_empty_and_null_as_they_are(field):
    assert field.get_prep_value("") == ""
    assert field.get_db_prep_save(None, connection) is None
    assert field.from_db_value("", None, connection) == ""
    assert field.from_db_value(None, None, connection) is None


def test_the_field_refuses_a_tampered_column(field):
    def flip_last_bit(raw):
        raw[-1] ^= 0x01
        return raw

    stored = field.get_prep_value(ID_NUMBER)
    with pytest.raises(DecryptionError):
        field.from_db_value(retokened(stored, flip_last_bit), None, connection)


def test_the_field_leaves_clear_strings_alone_in_to_python(field):
    assert field.to_python(ID_NUMBER) == ID_NUMBER


def test_the_field_deconstructs_for_migrations(field):
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args) == ("id_number", "guanai.core.fields.EncryptedTextField", [])
    assert kwargs == {"blank": True, "default": ""}
    assert EncryptedTextField(*args, **kwargs).deconstruct()[1:] == (path, args, kwargs)


def test_the_field_is_a_text_column(field):
    assert field.get_internal_type() == "TextField"
    assert field.db_type(connection) == models.TextField().db_type(connection)


def test_an_encrypted_field_cannot_be_unique():
    field = EncryptedTextField(unique=True)
    field.set_attributes_from_name("id_number")
    assert [error.id for error in field.check()] == ["guanai.fields.E001"]


def test_blind_indexes_are_remembered_only_while_asked():
    from guanai.core.crypto import _index_memo, remembering_indexes

    with remembering_indexes():
        first = blind_index("id_number", "510821201203051234")
        assert _index_memo.get() == {("id_number", "510821201203051234"): first}
        assert blind_index("id_number", "510821201203051234") == first
    assert _index_memo.get() is None  # nothing of the values kept after
    assert blind_index("id_number", "510821201203051234") == first


# --- files sealed in segments (export files) ---


def sealed_stream(data: bytes) -> bytes:
    out = io.BytesIO()
    written = seal_stream(io.BytesIO(data), out)
    assert written == len(out.getvalue())
    return out.getvalue()


def unsealed(sealed: bytes) -> bytes:
    return b"".join(unseal_stream(io.BytesIO(sealed)))


SEGMENT = 1 << 20


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 5])
def test_a_sealed_stream_gives_back_its_bytes_and_hides_them(size):
    data = os.urandom(size // 2) + b"\xe5\xbc\xa0\xe5\xb0\x8f\xe6\x98\x8e" * (size // 18)
    sealed = sealed_stream(data)
    assert unsealed(sealed) == data
    if data:
        assert data[:64] not in sealed


def test_a_sealed_stream_refuses_a_changed_byte_a_dropped_or_moved_segment_a_cut_end():
    data = os.urandom(3 * SEGMENT + 100)
    sealed = sealed_stream(data)
    header, record = 16 + 16, 12 + SEGMENT + 16
    segments = [sealed[header + i * record : header + (i + 1) * record] for i in range(4)]
    changed = bytearray(sealed)
    changed[header + record + 500] ^= 1
    damaged = [
        bytes(changed),
        sealed[:header] + segments[0] + segments[2] + segments[3],  # one dropped
        sealed[:header] + segments[1] + segments[0] + segments[2] + segments[3],  # moved
        sealed[: header + 3 * record],  # the last segment cut off
        sealed[:-1],
        b"not a sealed stream at all",
    ]
    for sealed_bytes in damaged:
        with pytest.raises(DecryptionError):
            unsealed(sealed_bytes)


def test_a_sealed_stream_cannot_be_opened_under_another_key(settings):
    sealed = sealed_stream(b"roster")
    settings.DATA_KEY = os.urandom(32)
    with pytest.raises(DecryptionError):
        unsealed(sealed)
