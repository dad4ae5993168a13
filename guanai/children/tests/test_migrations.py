"""Data migrations of the children's app, run on rows as the code before them wrote them."""

import importlib

from django.apps import apps

from guanai.children.models import ChildChange

remask = importlib.import_module(
    "guanai.children.migrations.0006_history_id_masks_hide_the_sequence"
)


def test_the_history_keeps_only_the_area_of_id_numbers_masked_the_old_way(kids):
    """The old mask kept the sequence and check character: with the birth date on the same
    page, the whole number."""
    entry = ChildChange.objects.create(
        child=kids.village,
        kind=ChildChange.Kind.UPDATED,
        subject="father",
        changes=[
            {"field": "id_number", "secret": True, "old": "x", "new": "y"}
            | {"old_display": "510821********0113", "new_display": "510821********012X"},
            {"field": "id_number", "secret": True, "old": "", "new": "y"}
            | {"old_display": "", "new_display": "***************"},
            {"field": "phone", "secret": True, "old": "x", "new": "y"}
            | {"old_display": "138****5678", "new_display": "139****5678"},
            {"field": "name", "old": "510821********0113", "new": "张父"}
            | {"old_display": "510821********0113", "new_display": "张父"},
        ],
    )
    untouched = ChildChange.objects.create(
        child=kids.village,
        kind=ChildChange.Kind.UPDATED,
        changes=[{"field": "grade", "old": "四年级", "new": "五年级"}],
    )
    before = untouched.changes
    remask.remask_history(apps, None)
    entry.refresh_from_db()
    untouched.refresh_from_db()
    ids, legacy, phone, name = entry.changes
    assert (ids["old_display"], ids["new_display"]) == ("510821" + "*" * 12,) * 2
    assert (ids["old"], ids["new"]) == ("x", "y")  # the encrypted values, for undo
    assert legacy["new_display"] == "***************"
    assert (phone["old_display"], phone["new_display"]) == ("138****5678", "139****5678")
    assert name["old_display"] == "510821********0113"  # typed text, not a secret
    assert untouched.changes == before
