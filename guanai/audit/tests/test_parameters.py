"""What the access log keeps of what people typed: the known parameters of a request,
bounded, with ID and phone numbers masked however they were typed."""

import unicodedata

import pytest
from django.http import QueryDict

from guanai.audit.models import AccessEvent
from guanai.audit.services import (
    MAX_LOGGED_KEYS,
    MAX_LOGGED_VALUE,
    access_record,
    logged_parameters,
    mask_numbers,
)

ID = "510821201503051234"


def digits_of(text: str) -> str:
    """The digits of a text as a reader would copy them out: half-width, no gaps."""
    plain = unicodedata.normalize("NFKC", text)
    return "".join(c for c in plain if c.isdigit() or c in "Xx")


@pytest.mark.parametrize(
    "typed",
    [
        ID,
        f"核对{ID}的信息",
        "５１０８２１２０１５０３０５１２３４",  # full-width
        "510821 2015 0305 1234",
        "510821-20150305-1234",
        "510821\u200b201503051234",  # a zero-width space pasted along
        "51082120150305123x",  # a check digit X, lower-case
        "51082120150305123",  # 17 digits: the check digit left off
        "510821150305123",  # an old 15-digit number
    ],
)
def test_an_id_number_is_masked_however_it_was_typed(typed):
    masked = mask_numbers(typed)
    assert ID[:15] not in digits_of(masked)
    assert "150305" not in digits_of(masked)  # the birth date never stays


@pytest.mark.parametrize(
    "typed", ["13812345678", "138 1234 5678", "电话138-1234-5678", "１３８１２３４５６７８"]
)
def test_a_phone_number_is_masked(typed):
    assert "12345678" not in digits_of(mask_numbers(typed))


@pytest.mark.parametrize(
    "typed",
    ["510821101201", "510821", "2026-03-01", "张小明", "zxm", "42", "三年级2班"],
)
def test_what_a_filter_names_stays_readable(typed):
    # An area code, a date, a name, a school's number: nothing to hide.
    assert mask_numbers(typed) == typed


def test_only_the_known_parameters_are_kept_each_bounded():
    params = QueryDict(mutable=True)
    params.update({"q": "张" * 5000, "junk": "x" * 100, "village": "510821101201", "sort": ""})
    logged = logged_parameters(params, keys=["q", "village", "sort", "status"])
    assert logged == {"q": "张" * MAX_LOGGED_VALUE, "village": "510821101201"}


def test_no_more_than_so_many_keys_are_kept():
    params = {f"k{i}": "v" for i in range(100)}
    assert len(logged_parameters(params, keys=params)) == MAX_LOGGED_KEYS


def test_a_number_cut_off_at_the_end_of_a_long_value_is_still_masked():
    value = "a" * (MAX_LOGGED_VALUE - 10) + ID
    logged = logged_parameters({"q": value}, keys=["q"])["q"]
    assert len(logged) == MAX_LOGGED_VALUE
    assert ID[:10] not in logged


def test_a_reason_is_kept_with_its_numbers_masked(cast):
    event = access_record(
        user=cast["village_director"],
        action="reveal",
        target="child:1",
        field="child.id_number",
        reason=f"核对 {ID} 与 13812345678",
    )
    stored = AccessEvent.objects.values_list("reason", flat=True).get(pk=event.pk)
    assert stored.startswith("核对 ")
    assert ID not in stored
    assert "13812345678" not in stored


def test_an_oversized_detail_is_refused_not_stored(cast):
    with pytest.raises(ValueError, match="logged_parameters"):
        access_record(
            user=cast["county_admin"],
            action="export",
            target="roster",
            detail={"filter": {"junk": "x" * 100_000}},
        )
    assert not AccessEvent.objects.exists()
