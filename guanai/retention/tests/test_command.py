from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import make_child, run_jobs
from guanai.children.models import Child
from guanai.retention.models import RetentionPolicy
from guanai.retention.selectors import months_before
from guanai.retention.tasks import anonymise_expired_job


@pytest.fixture
def leavers(places):
    """Two children who left the roster 40 months ago, one in each county (the exits
    recorded that day, and approved)."""
    on = months_before(timezone.localdate(), 40)
    recorded = timezone.make_aware(datetime.combine(on, time(10)))
    return [
        make_child(
            village,
            name=name,
            status="exited",
            exit_reason="moved",
            exited_on=on,
            exit_recorded_at=recorded,
        )
        for village, name in ((places.village, "张离开"), (places.other_county_village, "赵离开"))
    ]


def anonymised() -> set[str]:
    return set(
        Child.objects.filter(anonymised_at__isnull=False).values_list("village_id", flat=True)
    )


def test_the_command_anonymises_and_sums_up(places, leavers):
    out = StringIO()
    call_command("anonymise_expired", stdout=out)
    text = out.getvalue()
    assert "已匿名化 2/2" in text
    assert "510821 旺苍县：1 名" in text
    assert "已匿名化 2 名儿童（移出期满 2 名）" in text
    assert "删除不再与其他儿童相关的家庭成员 6 名" in text
    assert anonymised() == {places.village.code, places.other_county_village.code}
    # No name, of the children or their families, is ever printed.
    assert "张" not in text
    assert "赵" not in text


def test_the_command_dry_run_changes_nothing(places, leavers):
    out = StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=out)
    assert (
        "试运行：保留期限已满、待匿名化的儿童 2 名（移出期满 2 名），未做任何修改。"
        in out.getvalue()
    )
    assert anonymised() == set()


def test_the_command_takes_one_county(places, leavers):
    RetentionPolicy.objects.create(
        county=places.county, months_after_exit=48, months_after_adulthood=12
    )
    out = StringIO()
    call_command("anonymise_expired", "--county", "510822", stdout=out)
    assert (
        "青川县（510822）：移出后保留 36 个月，年满18周岁后保留 12 个月（默认）" in out.getvalue()
    )
    assert anonymised() == {places.other_county_village.code}
    out = StringIO()
    call_command("anonymise_expired", "--county", places.county.code, stdout=out)
    assert "移出后保留 48 个月" in out.getvalue()
    assert "已匿名化 0 名儿童" in out.getvalue()


def test_the_command_refuses_what_is_not_a_county(places):
    for code in ("999999", places.township.code):
        with pytest.raises(CommandError):
            call_command("anonymise_expired", "--county", code, stdout=StringIO())


def test_the_background_job_anonymises_one_county_or_all(places, leavers):
    anonymise_expired_job.enqueue(places.county.code)
    assert run_jobs() == 1
    assert anonymised() == {places.village.code}
    result = anonymise_expired_job.enqueue()
    assert run_jobs() == 1
    assert anonymised() == {places.village.code, places.other_county_village.code}
    result.refresh()
    assert result.return_value["anonymised"] == 1
    assert result.return_value["by_county"] == {"510822": 1}
