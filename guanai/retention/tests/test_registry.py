"""The daily run clears what the apps registered, without naming them."""

from io import StringIO

import pytest
from django.core.management import call_command

from guanai.retention import registry
from guanai.retention.registry import Expiry, expiries
from guanai.retention.services import retention_daily

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_expiry():
    """A registration as a new app would make; taken out again after the test."""
    calls: list[int] = []
    saved = dict(registry._EXPIRIES)

    def expire() -> int:
        calls.append(1)
        return 7

    registry.register(
        Expiry(name="care.photos", expire=expire, describe=lambda n: f"清除了 {n} 张活动照片。")
    )
    yield calls
    registry._EXPIRIES.clear()
    registry._EXPIRIES.update(saved)


def test_the_apps_that_keep_things_for_a_time_register_their_expiry():
    assert {e.name for e in expiries()} >= {
        "roster.import_files",
        "conflicts.resolved_entries",
        "exports.files",
    }


def test_a_registered_expiry_runs_once_a_day_and_its_count_is_kept(extra_expiry):
    run = retention_daily()
    assert extra_expiry == [1]
    assert run.expired["care.photos"] == 7
    assert run.as_dict()["expired"]["care.photos"] == 7


def test_the_command_reports_each_expiry_in_its_own_words(extra_expiry):
    out = StringIO()
    call_command("anonymise_expired", stdout=out)
    assert "清除了 7 张活动照片。" in out.getvalue()
    assert "导出文件" in out.getvalue()


def test_a_dry_run_clears_nothing(extra_expiry):
    call_command("anonymise_expired", "--dry-run", stdout=StringIO())
    assert extra_expiry == []
