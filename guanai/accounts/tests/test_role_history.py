"""Roles granted and revoked stay on the record: a revoked membership is kept as history
(who granted it, who revoked it, when), gives nothing any more, and is shown on the
account's page and in the county's log of role changes, within the viewer's scope."""

import re

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import logged_in_client, make_user
from guanai.accounts.models import LoginEvent, Membership, User
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import village_directors_for
from guanai.accounts.tests.helpers import grant, revoke, role, user_created
from guanai.children.selectors import children_visible_to


def fresh(user: User) -> User:
    """The user as a new request loads them (the scope is computed once per user object)."""
    return User.objects.get(pk=user.pk)


def section(page: str, testid: str) -> str:
    """The table of the page with this data-testid."""
    match = re.search(rf'data-testid="{testid}".*?</table>', page, re.DOTALL)
    assert match, testid
    return match.group(0)


def role_changes_seen_by(user: User) -> str:
    """The log of role changes, as the user's page of it shows it."""
    page = logged_in_client(user).get(reverse("accounts:role_changes")).content.decode()
    return section(page, "role-changes")


@pytest.fixture
def director_role(cast) -> Membership:
    return cast["village_director"].memberships.get()


def test_granting_and_revoking_keeps_the_membership_with_who_and_when(cast, places):
    admin = cast["county_admin"]
    teacher = make_user("teacher_two", role="teacher", school=places.school)
    before = timezone.now()
    grant(admin, teacher, "counsellor", school=places.school)
    granted = teacher.memberships.get(role__code="counsellor")
    revoke(admin, granted)
    after = timezone.now()

    kept = Membership.all_objects.get(pk=granted.pk)
    assert (kept.role.code, kept.school, kept.granted_by, kept.revoked_by) == (
        "counsellor",
        places.school,
        admin,
        admin,
    )
    assert before <= kept.granted_at <= kept.revoked_at <= after
    assert not Membership.objects.filter(pk=granted.pk).exists()
    assert list(teacher.memberships.values_list("role__code", flat=True)) == ["teacher"]
    events = LoginEvent.objects.filter(user=teacher).order_by("at", "pk")
    assert [(e.kind, e.role.code, e.school, e.by) for e in events] == [
        ("role_granted", "counsellor", places.school, admin),
        ("role_revoked", "counsellor", places.school, admin),
    ]


def test_creating_a_user_records_the_account_and_its_first_role(cast, places):
    handover = user_created(
        cast["county_admin"],
        "shiqiao_director",
        "village_director",
        area=places.other_township_village,
    )
    events = LoginEvent.objects.filter(user=handover.user).order_by("at", "pk")
    assert [(e.kind, e.by, e.role.code, e.area) for e in events] == [
        (
            "account_created",
            cast["county_admin"],
            "village_director",
            places.other_township_village,
        ),
        ("role_granted", cast["county_admin"], "village_director", places.other_township_village),
    ]


def test_a_revoked_role_gives_no_access_but_stays_in_the_history(
    cast, places, kids, director_role, client_for
):
    director = cast["village_director"]
    client = client_for(director)
    child_url = reverse("children:child_detail", args=[kids.village.pk])
    assert client.get(child_url).status_code == 200
    assert children_visible_to(fresh(director)).filter(pk=kids.village.pk).exists()

    revoke(cast["county_admin"], director_role)

    assert client.get(child_url).status_code == 404
    assert "张小明" not in client.get(reverse("children:child_list")).content.decode()
    assert not children_visible_to(fresh(director)).exists()
    scope = scope_for(fresh(director))
    assert scope.is_empty
    assert scope.memberships == ()
    assert list(Membership.all_objects.filter(user=director)) == [director_role]


def test_a_revoked_village_director_is_no_longer_named_to_the_villages_volunteer(
    cast, director_role
):
    volunteer = cast["volunteer"]
    assert list(village_directors_for(fresh(volunteer))) == [cast["village_director"]]
    revoke(cast["county_admin"], director_role)
    assert list(village_directors_for(fresh(volunteer))) == []


def test_a_revoked_role_can_be_granted_again_but_a_held_one_only_once(cast, places, director_role):
    admin, director = cast["county_admin"], cast["village_director"]
    revoke(admin, director_role)
    grant(admin, director, "village_director", area=places.village)
    assert scope_for(fresh(director)).area_prefixes == {places.village.prefix}
    history = Membership.all_objects.filter(user=director).order_by("granted_at", "pk")
    assert [(m.area, m.revoked_at is None) for m in history] == [
        (places.village, False),
        (places.village, True),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=director, role=role("village_director"), area=places.village)


def test_an_account_left_without_roles_stays_with_the_county_that_revoked_them(
    cast, places, director_role, client_for
):
    director = cast["village_director"]
    revoke(cast["county_admin"], director_role)
    listing = client_for(cast["county_admin"]).get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:user_detail", args=[director.pk]) in listing
    assert "角色已全部撤销" in listing
    other = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    listing = client_for(other).get(reverse("accounts:user_list")).content.decode()
    assert director.username not in listing


def test_an_account_left_without_roles_is_not_taken_over_where_it_once_held_a_lesser_one(
    cast, places
):
    """A former county admin of 青川县 who also volunteered in 长滩村: once both roles are
    revoked and the hold has passed, 旺苍县's admin sees the account but may not manage it
    (reset its password, grant it roles) — only someone who could manage both roles."""
    from guanai.accounts.selectors import users_in_scope_of, users_managed_by

    system = cast["system_admin"]
    former = make_user("former_admin", role="county_admin", area=places.other_county)
    grant(system, former, "volunteer", area=places.village)
    for membership in former.memberships.all():
        revoke(system, membership)
    long_ago = timezone.now() - timezone.timedelta(days=2)
    Membership.all_objects.filter(user=former).update(granted_at=long_ago, revoked_at=long_ago)

    admin = fresh(cast["county_admin"])
    assert users_in_scope_of(admin).filter(pk=former.pk).exists()
    assert not users_managed_by(admin).filter(pk=former.pk).exists()
    client = logged_in_client(admin)
    assert client.get(reverse("accounts:user_detail", args=[former.pk])).status_code == 404
    assert users_managed_by(fresh(system)).filter(pk=former.pk).exists()


def test_a_join_through_a_users_memberships_must_say_it_counts_revoked_ones(cast, director_role):
    """The default manager leaves revoked memberships out; a join bypasses managers, so
    the obvious lookup fails instead of silently counting a revoked role."""
    with pytest.raises(FieldError):
        list(User.objects.filter(memberships__role__code="village_director"))
    revoke(cast["county_admin"], director_role)
    ever = User.objects.filter(memberships_incl_revoked__role__code="village_director")
    held = User.objects.filter(memberships_incl_revoked__in=Membership.objects.all())
    assert cast["village_director"] in ever
    assert cast["village_director"] not in held


def test_the_users_page_shows_their_role_history(cast, places, director_role, client_for):
    admin, director = cast["county_admin"], cast["village_director"]
    revoke(admin, director_role)
    grant(admin, director, "volunteer", area=places.sibling_village)
    revoked = Membership.all_objects.get(pk=director_role.pk)

    page = client_for(admin).get(reverse("accounts:user_detail", args=[director.pk]))
    history = section(page.content.decode(), "role-history")
    entries = history.split('data-testid="role-history-entry"')[1:]
    assert len(entries) == 2
    now_held, ended = entries  # newest first
    assert "志愿者" in now_held
    assert str(places.sibling_village) in now_held
    assert str(admin) in now_held
    assert "生效中" in now_held
    assert "村(居)儿童主任" in ended
    assert str(places.village) in ended
    assert f"{timezone.localtime(revoked.revoked_at):%Y-%m-%d %H:%M} · {admin}" in ended
    assert str(admin) in ended
    assert "生效中" not in ended


def test_a_user_sees_their_own_role_history(cast, places, client_for):
    director = cast["village_director"]
    grant(cast["county_admin"], director, "volunteer", area=places.sibling_village)
    page = client_for(director).get(reverse("accounts:my_account")).content.decode()
    history = section(page, "role-history")
    assert "志愿者" in history
    assert str(cast["county_admin"]) in history


def test_another_countys_admin_cannot_open_the_users_page_or_its_history(
    cast, places, director_role, client_for
):
    revoke(cast["county_admin"], director_role)
    other = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    url = reverse("accounts:user_detail", args=[cast["village_director"].pk])
    assert client_for(other).get(url).status_code == 404


def test_the_countys_log_shows_grants_and_revocations_with_actor_role_and_place(
    cast, places, director_role
):
    admin = cast["county_admin"]
    revoke(admin, director_role)
    log = role_changes_seen_by(admin)
    revoked_entry = next(e for e in log.split('data-testid="role-change"') if "撤销角色" in e)
    assert "村(居)儿童主任" in revoked_entry
    assert str(places.village) in revoked_entry
    assert str(admin) in revoked_entry
    assert "village_director" in revoked_entry  # whose role it was
    # The director is the admin's to manage: their page is a link away.
    assert reverse("accounts:user_detail", args=[cast["village_director"].pk]) in revoked_entry


def test_another_countys_admin_sees_only_their_own_countys_role_changes(
    cast, places, director_role
):
    revoke(cast["county_admin"], director_role)
    other = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    newcomer = user_created(
        other, "qingchuan_director", "village_director", area=places.other_county_village
    ).user

    theirs = role_changes_seen_by(other)
    assert "qingchuan_director" in theirs
    assert "创建账户" in theirs
    assert "撤销角色" not in theirs
    assert str(places.village) not in theirs
    ours = role_changes_seen_by(cast["county_admin"])
    assert "撤销角色" in ours
    assert newcomer.username not in ours
    everything = role_changes_seen_by(cast["system_admin"])
    assert "撤销角色" in everything
    assert newcomer.username in everything


def test_the_role_changes_page_takes_a_fixed_number_of_queries(
    cast, places, client_for, django_assert_max_num_queries
):
    admin = cast["county_admin"]
    client = client_for(admin)
    client.get(reverse("accounts:role_changes"))
    for n in range(20):
        user = make_user(f"volunteer_{n}", role="volunteer", area=places.sibling_village)
        grant(admin, user, "village_director", area=places.village)
        revoke(admin, user.memberships.get(role__code="village_director"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("accounts:role_changes")).content.decode()
    assert page.count('data-testid="role-change"') == 40


def test_roles_revoked_before_the_history_was_kept_are_rebuilt_from_the_log(cast, places):
    """Before migration 0006 a revocation deleted the membership and left only its two
    login events; the migration makes them a revoked membership again, once."""
    import importlib

    from django.apps import apps

    rebuild = importlib.import_module(
        "guanai.accounts.migrations.0006_revocations_from_log"
    ).revocations_rebuild
    admin = cast["county_admin"]
    teacher = make_user("teacher_old", role="teacher", school=places.school)
    grant(admin, teacher, "counsellor", school=places.school)
    membership = teacher.memberships.get(role__code="counsellor")
    revoke(admin, membership)
    Membership.all_objects.filter(pk=membership.pk).delete()  # as a revocation did before

    rebuild(apps, None)
    rebuild(apps, None)

    [rebuilt] = Membership.all_objects.filter(user=teacher, role__code="counsellor")
    granted = LoginEvent.objects.get(user=teacher, kind=LoginEvent.Kind.ROLE_GRANTED)
    revoked = LoginEvent.objects.get(user=teacher, kind=LoginEvent.Kind.ROLE_REVOKED)
    assert (rebuilt.school, rebuilt.revoked_at, rebuilt.revoked_by) == (
        places.school,
        revoked.at,
        admin,
    )
    assert (rebuilt.granted_at, rebuilt.granted_by) == (granted.at, admin)
    assert not teacher.memberships.filter(role__code="counsellor").exists()
