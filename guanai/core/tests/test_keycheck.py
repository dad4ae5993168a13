"""The data key checked against its database: a lost or mistyped key stops the system."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from conftest import make_child
from guanai.core.crypto import key_check
from guanai.core.keycheck import MISSING, WRONG, ensure_data_key
from guanai.core.models import DataKeyCheck

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_the_first_migration_stores_the_check_of_the_key_in_use():
    assert list(DataKeyCheck.objects.values_list("value", flat=True)) == [key_check()]


def test_every_command_refuses_a_key_the_database_was_not_written_under(settings):
    settings.DATA_KEY = os.urandom(32)
    with pytest.raises(SystemCheckError, match=r"guanai\.E001") as refused:
        call_command("check")
    assert "GUANAI_DATA_KEY" in str(refused.value)
    with pytest.raises(ImproperlyConfigured, match="数据密钥与数据库不符"):
        ensure_data_key()


def test_a_missing_key_is_not_replaced_by_a_new_one_while_the_database_holds_data(
    settings, tmp_path, places
):
    make_child(places.village, id_number="510821201203051234")
    DataKeyCheck.objects.all().delete()  # a database from before the check: its data decides
    settings.DATA_KEY = None
    settings.VAR_DIR = tmp_path
    with pytest.raises(ImproperlyConfigured) as refused:
        ensure_data_key()
    assert str(refused.value) == MISSING
    assert list(tmp_path.iterdir()) == []
    assert not DataKeyCheck.objects.exists()


def test_a_database_from_before_the_check_is_tried_against_its_own_data(settings, places):
    make_child(places.village, id_number="510821201203051234")
    DataKeyCheck.objects.all().delete()
    right = settings.DATA_KEY
    settings.DATA_KEY = os.urandom(32)
    with pytest.raises(ImproperlyConfigured) as refused:
        ensure_data_key()
    assert str(refused.value) == WRONG
    assert not DataKeyCheck.objects.exists()
    settings.DATA_KEY = right
    ensure_data_key()
    assert DataKeyCheck.objects.get().value == key_check()


def test_an_empty_database_without_a_key_gets_a_new_key_and_its_check(settings, tmp_path):
    DataKeyCheck.objects.all().delete()
    settings.DATA_KEY = None
    settings.VAR_DIR = tmp_path
    ensure_data_key()
    assert [p.name for p in tmp_path.iterdir()] == ["data_key"]
    assert len(settings.DATA_KEY) == 32
    assert DataKeyCheck.objects.get().value == key_check()


def run(args: list[str], var_dir: Path, database: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GUANAI_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    environment |= {"GUANAI_VAR_DIR": str(var_dir), "DATABASE_URL": f"sqlite:///{database}"}
    environment |= env
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.django_db(databases=[])
def test_a_server_with_a_mistyped_or_missing_key_does_not_start(tmp_path):
    """The review's case, end to end, in processes of their own on a database file."""
    first, elsewhere = tmp_path / "first", tmp_path / "elsewhere"
    first.mkdir()
    elsewhere.mkdir()
    database = tmp_path / "guanai.sqlite3"
    migrated = run(["manage.py", "migrate", "-v0"], first, database)
    assert migrated.returncode == 0, migrated.stderr
    assert (first / "data_key").exists()
    assert run(["manage.py", "check"], first, database).returncode == 0

    mistyped = run(["manage.py", "check"], first, database, GUANAI_DATA_KEY=new_key())
    assert mistyped.returncode == 1
    assert "guanai.E001" in mistyped.stderr
    assert "GUANAI_DATA_KEY" in mistyped.stderr

    # The key file left behind on another machine: no key at all, and none is made.
    missing = run(["-c", "import guanai.wsgi"], elsewhere, database)
    assert missing.returncode != 0
    assert "ImproperlyConfigured" in missing.stderr
    assert not (elsewhere / "data_key").exists()
    worker = run(["manage.py", "db_worker", "--batch"], elsewhere, database)
    assert worker.returncode == 1
    assert "guanai.E001" in worker.stderr
    assert not (elsewhere / "data_key").exists()
