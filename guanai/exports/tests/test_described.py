"""An export's filter in words, as the user's list of exports shows it."""

from guanai.audit.exports import describe as access_log_described
from guanai.audit.models import AccessEvent
from guanai.roster.exports import describe as roster_described


def test_a_roster_filter_names_the_places_the_user_sees_and_gives_choices_their_labels(
    places, cast
):
    said = roster_described(
        cast["county_admin"],
        {
            "township": places.township.code,
            "village": places.other_county_village.code,  # out of reach: as typed
            "school": str(places.school.pk),
            "risk_level": "high",
            "q": "",
        },
    )
    assert said == (
        f"乡镇：{places.township.name} · 村(社区)：{places.other_county_village.code} · "
        f"学校：{places.school.name} · 风险等级：高"
    )


def test_an_access_log_filter_is_said_with_the_forms_labels(cast):
    said = access_log_described(
        cast["county_admin"],
        {"date_from": "2026-01-01", "action": AccessEvent.Action.EXPORT, "user": ""},
    )
    assert said == f"起始日期：2026-01-01 · 操作：{AccessEvent.Action.EXPORT.label}"
