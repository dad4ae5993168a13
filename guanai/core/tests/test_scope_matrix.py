"""Every role × every view × an object inside and outside the role's scope.

Inside gives the page (200, or a redirect for actions); outside gives 404, never
403, so a user cannot even learn that the object exists. A new URL pattern fails
`test_every_view_is_in_the_matrix` until a test here requests it: each list of views
below is what one test requests.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Places, consent_and_photo, make_user
from guanai.accounts.models import LoginEvent
from guanai.areas.models import Area
from guanai.core.crypto import seal
from guanai.core.tests.attack_kit import all_routes
from guanai.roster.models import ImportBatch

MANAGE_USERS = {"system_admin", "county_admin"}
MANAGE_SCHOOLS = {"system_admin", "county_admin", "county_education"}
COUNTY_ROLES = {"county_admin", "county_education", "league", "auditor"}
SCHOOL_ROLES = {"school_admin", "teacher", "counsellor"}
VILLAGE_ROLES = {"village_director", "volunteer"}
ALL_ROLES = {"system_admin", "township_supervisor"} | COUNTY_ROLES | SCHOOL_ROLES | VILLAGE_ROLES

# What each role may do with children (guanai/accounts/scope.py CHILD_ACCESS).
CHILD_VIEW = ALL_ROLES - {"auditor", "volunteer"}
CHILD_EDIT = {"system_admin", "county_admin", "township_supervisor", "village_director"} | {
    "school_admin"
}
CHILD_REVEAL = {"county_admin", "township_supervisor", "village_director", "school_admin"}
CHILD_REVIEW = {"system_admin", "county_admin", "township_supervisor"}
ACCESS_LOG = {"system_admin", "county_admin"}
# Who sets a county's retention periods: the administrators of an area (Scope.administered_prefixes).
RETENTION = {"system_admin", "county_admin"}
# Who resolves the ID numbers held for the county to verify: the same.
CONFLICTS = {"system_admin", "county_admin"}
# Who keeps the register of helpers of their areas and pairs them (care.selectors.HELPER_ROLES).
HELPER_KEEPERS = {
    "system_admin",
    "county_admin",
    "league",
    "township_supervisor",
    "village_director",
}

# The care work (guanai/care/selectors.py): who has My tasks, who oversees the care of their
# places, who names teachers and counsellors, who sets the county's plan.
CARING = {"village_director", "teacher", "counsellor", "volunteer"}
SUPERVISING = {
    "system_admin",
    "county_admin",
    "county_education",
    "league",
    "township_supervisor",
    "school_admin",
}
ASSIGNING = {"system_admin", "county_admin", "county_education", "township_supervisor"} | {
    "school_admin"
}

# The township supervisors' log (guanai/care/supervision.py): they write it, their county reads.
SUPERVISION_READERS = {"system_admin", "county_admin", "county_education", "township_supervisor"}

MISSING_CODE = "999999999999"
MISSING_ID = 987654321

# Views that need no login.
PUBLIC_VIEWS = {"accounts:login", "core:healthz", "set_language"}
# Views of the user's own things: every logged-in user gets them.
OWN_VIEWS = {"web:home", "accounts:my_account", "accounts:my_password", "exports:export_list"}
# The user's own two-factor login (accounts/tests/test_two_factor.py), and logging out.
LOGIN_STEP_VIEWS = {
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "accounts:recovery_codes",
    "accounts:two_factor_disable",
    "accounts:logout",
}
LIST_VIEWS = {"areas:area_list", "areas:school_list"}
MANAGER_ONLY_VIEWS = {
    "accounts:user_list": MANAGE_USERS,
    "accounts:user_new": MANAGE_USERS,
    # The log of role changes where they manage users: accounts/tests/test_role_history.py.
    "accounts:role_changes": MANAGE_USERS,
    "areas:school_new": MANAGE_SCHOOLS,
    "children:child_list": CHILD_VIEW,
    "children:child_new": CHILD_EDIT,
    "children:review_list": CHILD_REVIEW,
    # The completion flow (补充资料) over the files the user may complete; the cast's
    # children are complete, so it says none is left.
    "children:complete": CHILD_EDIT,
    "retention:policy_list": RETENTION,
    "roster:template": CHILD_EDIT,
    "roster:import": CHILD_EDIT,
    # The county's access log; its scope is tested in audit/tests/test_access_log_views.py.
    "audit:access_log": ACCESS_LOG,
    # The county's held ID numbers; their scope is tested below and in conflicts/tests.
    "conflicts:conflict_list": CONFLICTS,
    "care:my_tasks": CARING,
    "care:overview": SUPERVISING,
    "care:due_list": SUPERVISING,
    # The county's contact plan: its county admin (the system admin has no county).
    "care:plan": {"county_admin"},
    "care:supervision_list": SUPERVISION_READERS,
    "care:supervision_new": {"township_supervisor"},
    "care:helper_list": HELPER_KEEPERS,
    "care:helper_new": HELPER_KEEPERS,
}
# Actions without an object: POST only (GET is 405 for everyone); (roles, their status).
POST_ONLY_VIEWS = {
    "children:child_validate_new": (CHILD_EDIT, 200),
    # Looking up an ID number; none given, it goes back to the list with a message.
    "children:child_find": (CHILD_REVEAL, 302),
    # Approving ticked entries of the queue; none ticked, it goes back with a message.
    "children:review_bulk": (CHILD_REVIEW, 302),
    # Asking for an export: a job is queued and its page opens. The roster of what the user
    # sees (roster/tests/test_exporting.py, exports/tests); the county's access log
    # (audit/tests/test_access_log_views.py).
    "roster:export": (CHILD_VIEW, 302),
    "audit:access_log_export": (ACCESS_LOG, 302),
    # Naming a teacher for the children ticked; none ticked, it goes back to the list.
    "care:teacher_assign": (ASSIGNING, 302),
}


def area_inside_outside(role: str, p: Places) -> tuple[str, str]:
    if role == "system_admin":
        return p.other_county_village.code, MISSING_CODE
    if role in COUNTY_ROLES:
        return p.other_township_village.code, p.other_county_village.code
    if role == "township_supervisor":
        return p.sibling_village.code, p.other_township_village.code
    if role in VILLAGE_ROLES:
        return p.village.code, p.sibling_village.code
    return p.township.code, p.other_township.code  # school roles: their school's township


def school_inside_outside(role: str, p: Places) -> tuple[int, int]:
    if role == "system_admin":
        return p.other_county_school.pk, MISSING_ID
    if role in COUNTY_ROLES:
        return p.other_township_school.pk, p.other_county_school.pk
    return p.school.pk, p.other_township_school.pk


def all_url_names() -> set[str]:
    return {route.name for route in all_routes()}


def test_public_views_need_no_login(db):
    login = reverse("accounts:login")
    for name in PUBLIC_VIEWS:
        for response in (Client().get(reverse(name)), Client().post(reverse(name))):
            assert response.status_code in (200, 302, 405), name
            assert not response.get("Location", "").startswith(f"{login}?"), name


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_login_step_views_answer_every_role(role, cast, client_for):
    """Each acts on the user's own account or session, whatever their role: it answers
    (the page, on to the step due, or 405 to a GET), never 404."""
    client = client_for(cast[role])
    for name in sorted(LOGIN_STEP_VIEWS):
        assert client.get(reverse(name)).status_code in (200, 302, 405), (role, name)


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_own_and_list_views_open_to_every_role(role, cast, client_for):
    client = client_for(cast[role])
    for name in OWN_VIEWS | LIST_VIEWS:
        response = client.get(reverse(name))
        assert response.status_code in (200, 302), (role, name)
        if response.status_code == 302:
            assert name == "areas:area_list"  # a single root area opens directly


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
@pytest.mark.parametrize("name", sorted(MANAGER_ONLY_VIEWS))
def test_manager_views_are_404_for_everyone_else(role, name, cast, client_for):
    expected = 200 if role in MANAGER_ONLY_VIEWS[name] else 404
    assert client_for(cast[role]).get(reverse(name)).status_code == expected


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
@pytest.mark.parametrize("name", sorted(POST_ONLY_VIEWS))
def test_post_only_views_are_404_for_everyone_else(role, name, cast, client_for):
    client = client_for(cast[role])
    assert client.get(reverse(name)).status_code == 405
    roles, status = POST_ONLY_VIEWS[name]
    expected = status if role in roles else 404
    assert client.post(reverse(name), {"name": "张三"}).status_code == expected


def county_inside_outside(role: str, p: Places) -> tuple[str, str]:
    if role == "system_admin":
        return p.other_county.code, MISSING_CODE
    return p.county.code, p.other_county.code  # everyone else works in 旺苍县


def child_inside_outside(role: str, p: Places) -> tuple[int, int]:
    """Children the `kids` fixture places: (one inside the role's place, one just outside)."""
    from guanai.children.models import Child

    def child_in(village: Area) -> int:
        return Child.objects.get(village=village).pk

    if role == "system_admin":
        return child_in(p.other_county_village), MISSING_ID
    if role in COUNTY_ROLES:
        return child_in(p.other_township_village), child_in(p.other_county_village)
    if role == "township_supervisor":
        return child_in(p.sibling_village), child_in(p.other_township_village)
    # Village and school roles: the child of 长滩村 goes to their school and is assigned to
    # the teacher; the child next door in 四新村 is not theirs.
    return child_in(p.village), child_in(p.sibling_village)


# (view, the role's (inside, outside) objects, the roles for which "inside" opens)
DETAIL_VIEWS = [
    ("areas:area_detail", area_inside_outside, ALL_ROLES),
    ("areas:school_detail", school_inside_outside, ALL_ROLES),
    ("areas:school_edit", school_inside_outside, MANAGE_SCHOOLS),
    # The counsellor sees only students assigned to them: the teacher's are not.
    ("children:child_detail", child_inside_outside, CHILD_VIEW - {"counsellor"}),
    ("children:child_edit", child_inside_outside, CHILD_EDIT),
    ("children:child_exit", child_inside_outside, CHILD_EDIT),
    ("children:child_complete", child_inside_outside, CHILD_EDIT),
    ("children:consent_record", child_inside_outside, CHILD_EDIT),
    ("retention:policy_edit", county_inside_outside, RETENTION),
    # A care record is written for a child the user sees; a volunteer only for a child
    # paired with them (the cast's volunteer has none: guanai/care/tests).
    ("care:record_new", child_inside_outside, CHILD_VIEW - {"counsellor"}),
    ("care:assign", child_inside_outside, ASSIGNING),
]

# (view, POST data, the roles for which "inside" works, the status it gives them)
CHILD_ACTIONS = [
    ("children:child_validate", {"name": "张三"}, CHILD_EDIT, 200),
    # The child is on the roll: restoring redirects back with a message.
    ("children:child_restore", {}, CHILD_EDIT, 302),
    (
        "children:child_reveal",
        {"subject": "child", "field": "id_number", "reason": "verify"},
        CHILD_REVEAL,
        200,
    ),
    ("children:child_review", {"decision": "approve"}, CHILD_REVIEW, 302),
    # The child's file lacks nothing: saving goes on to the next one.
    ("children:child_complete", {"assessment": "good"}, CHILD_EDIT, 302),
    # An empty consent form is shown again with its errors; no file, or no photo to
    # delete, goes back to the child's file with a message.
    ("children:consent_record", {}, CHILD_EDIT, 200),
    ("children:child_photo_upload", {}, CHILD_EDIT, 302),
    ("children:child_photo_delete", {}, CHILD_EDIT, 302),
]


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
@pytest.mark.parametrize(("name", "data", "allowed", "status"), CHILD_ACTIONS)
def test_child_actions_inside_and_outside(
    role, name, data, allowed, status, cast, places, kids, client_for
):
    inside, outside = child_inside_outside(role, places)
    client = client_for(cast[role])
    assert client.post(reverse(name, args=[outside]), data).status_code == 404
    expected_inside = status if role in allowed else 404
    assert client.post(reverse(name, args=[inside]), data).status_code == expected_inside


CHILD_PHOTO, CONSENT_WITHDRAW = "children:child_photo", "children:consent_withdraw"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_child_photo_and_consent_withdrawal_inside_and_outside(
    role, cast, places, kids, client_for
):
    """Both children have photo consent and a photo; only the role's own are reached."""
    inside, outside = child_inside_outside(role, places)
    consent_ids = {outside: MISSING_ID}
    for child_id in {inside, outside} - {MISSING_ID}:
        consent_ids[child_id] = consent_and_photo(cast["system_admin"], child_id)
    client = client_for(cast[role])

    def photo(child_id):
        return reverse(CHILD_PHOTO, args=[child_id])

    def withdraw(child_id, consent_id):
        return reverse(CONSENT_WITHDRAW, args=[child_id, consent_id])

    withdrawal = {"withdrawn_on": "2026-04-01", "note": "祖母撤回"}
    assert client.get(photo(outside)).status_code == 404
    assert client.get(photo(inside)).status_code == (
        200 if role in CHILD_VIEW - {"counsellor"} else 404
    )
    assert client.get(withdraw(outside, consent_ids[outside])).status_code == 404
    assert client.post(withdraw(outside, consent_ids[outside]), withdrawal).status_code == 404
    # Another child's consent under the URL of a child the role may edit.
    assert client.post(withdraw(inside, consent_ids[outside]), withdrawal).status_code == 404
    allowed = role in CHILD_EDIT
    assert client.get(withdraw(inside, consent_ids[inside])).status_code == (
        200 if allowed else 404
    )
    response = client.post(withdraw(inside, consent_ids[inside]), withdrawal)
    assert response.status_code == (302 if allowed else 404)


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
@pytest.mark.parametrize(("name", "inside_outside", "allowed"), DETAIL_VIEWS)
def test_detail_views_inside_and_outside(
    role, name, inside_outside, allowed, cast, places, kids, client_for
):
    inside, outside = inside_outside(role, places)
    client = client_for(cast[role])
    expected_inside = 200 if role in allowed else 404
    assert client.get(reverse(name, args=[inside])).status_code == expected_inside
    assert client.get(reverse(name, args=[outside])).status_code == 404


@pytest.fixture
def directors(places):
    """A village director inside every county persona's scope, and one in the other county."""
    inside = make_user(
        "inside_director", role="village_director", area=places.other_township_village
    )
    outside = make_user(
        "outside_director", role="village_director", area=places.other_county_village
    )
    return inside, outside


USER_DETAIL, MEMBERSHIP_DELETE = "accounts:user_detail", "accounts:membership_delete"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_user_detail_inside_and_outside(role, cast, directors, client_for):
    inside, outside = directors
    client = client_for(cast[role])
    expected_inside = 200 if role in MANAGE_USERS else 404
    assert client.get(reverse(USER_DETAIL, args=[inside.pk])).status_code == expected_inside
    outside_id = MISSING_ID if role == "system_admin" else outside.pk
    assert client.get(reverse(USER_DETAIL, args=[outside_id])).status_code == 404


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_membership_delete_inside_and_outside(role, cast, directors, client_for):
    inside, outside = directors
    client = client_for(cast[role])

    def url(user, membership_id=None):
        membership_id = membership_id or user.memberships.get().pk
        return reverse(MEMBERSHIP_DELETE, args=[user.pk, membership_id])

    if role == "system_admin":
        assert client.post(url(inside, MISSING_ID)).status_code == 404
    else:
        assert client.post(url(outside)).status_code == 404
        assert outside.memberships.exists()
    # Another user's membership under this user's URL is not theirs to reach either.
    assert client.post(url(inside, outside.memberships.get().pk)).status_code == 404
    response = client.post(url(inside))
    assert response.status_code == (302 if role in MANAGE_USERS else 404)
    assert inside.memberships.exists() == (role not in MANAGE_USERS)


ACCOUNT_ACTIONS = [
    "accounts:user_lock",
    "accounts:user_unlock",
    "accounts:user_two_factor_reset",
    "accounts:user_password_reset",
]


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
@pytest.mark.parametrize("name", ACCOUNT_ACTIONS)
def test_account_actions_inside_and_outside(name, role, cast, directors, client_for):
    inside, outside = directors
    client = client_for(cast[role])
    data = {"password": "Xin#mima2026"}
    outside_id = MISSING_ID if role == "system_admin" else outside.pk
    assert client.post(reverse(name, args=[outside_id]), data).status_code == 404
    # Every one of these acts writes the account's log: nothing was done outside.
    assert not LoginEvent.objects.filter(user=outside).exists()
    response = client.post(reverse(name, args=[inside.pk]), data)
    assert response.status_code == (302 if role in MANAGE_USERS else 404)
    assert LoginEvent.objects.filter(user=inside).exists() == (role in MANAGE_USERS)
    assert client.get(reverse(name, args=[inside.pk])).status_code == 405


@pytest.fixture
def held(directors, kids):
    """An ID number held for each county, with an alert: typed by the director of 石桥村
    (旺苍县) and by the one of 青川县, each the number of a child of the other county."""
    from guanai.core.tests.attack_kit import conflict_and_alert

    inside, outside = directors
    return conflict_and_alert(inside, kids.other_county), conflict_and_alert(outside, kids.village)


CONFLICT_ACTIONS = ("conflicts:conflict_resolve", "conflicts:alert_acknowledge")


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_held_id_numbers_and_alerts_inside_and_outside(role, cast, held, client_for):
    from guanai.conflicts.models import ConflictAlert, IdentityConflict

    if role == "system_admin":
        (conflict_in, alert_in), (conflict_out, alert_out) = held[1], (MISSING_ID, MISSING_ID)
    else:
        (conflict_in, alert_in), (conflict_out, alert_out) = held
    client = client_for(cast[role])
    decision = {"decision": "resolved", "note": "已与原登记县核实"}
    resolve, acknowledge = CONFLICT_ACTIONS
    assert client.post(reverse(resolve, args=[conflict_out]), decision).status_code == 404
    assert client.post(reverse(acknowledge, args=[alert_out])).status_code == 404
    allowed = role in CONFLICTS
    expected = 302 if allowed else 404
    assert client.post(reverse(resolve, args=[conflict_in]), decision).status_code == expected
    assert client.post(reverse(acknowledge, args=[alert_in])).status_code == expected
    resolved = set(IdentityConflict.objects.exclude(state="pending").values_list("pk", flat=True))
    acknowledged = ConflictAlert.objects.filter(acknowledged_at__isnull=False)
    assert resolved == ({conflict_in} if allowed else set())
    assert set(acknowledged.values_list("pk", flat=True)) == ({alert_in} if allowed else set())


def test_logged_out_visitors_are_sent_to_login(places):
    client = Client()
    for name, args in [
        ("web:home", []),
        ("areas:area_detail", [places.county.code]),
        ("areas:school_detail", [places.school.pk]),
        ("accounts:user_list", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


EXPORT_VIEWS = ("exports:export_detail", "exports:export_progress", "exports:export_download")
EXPORT_CANCEL = "exports:export_cancel"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_exports_are_their_users_alone(role, cast, places, kids, client_for):
    """Each role's own export opens (and downloads once made); the export of another user
    of the same county, or of a user above or below them, is 404 to every view of it."""
    from conftest import run_jobs
    from guanai.exports.services import export_request

    def export_of(user):
        return export_request(user=user, kind="roster", params={}, fmt="csv").pk

    fellow = make_user("fellow_admin", role="county_admin", area=places.county)
    others = [export_of(fellow)] + [
        export_of(cast[name])
        for name in ("county_admin", "village_director", "teacher")
        if name != role
    ]
    own = export_of(cast[role]) if role in CHILD_VIEW else None
    run_jobs("exports")
    client = client_for(cast[role])
    for export_id in others:
        for name in EXPORT_VIEWS:
            assert client.get(reverse(name, args=[export_id])).status_code == 404, name
        assert client.post(reverse(EXPORT_CANCEL, args=[export_id])).status_code == 404
    if own is not None:
        for name in EXPORT_VIEWS:
            assert client.get(reverse(name, args=[own])).status_code == 200, name
        assert client.post(reverse(EXPORT_CANCEL, args=[own])).status_code == 302


# An import batch is its importer's, and their county admin's to see and undo (nobody
# else's, not even the system admin's: roster/tests/test_import_views.py); the import
# itself, its faulty rows and its columns matched by hand are the importer's alone.
# (view, method, the importer's alone)
BATCH_VIEWS = {
    "roster:import_detail": ("get", False),
    "roster:import_progress": ("get", False),
    "roster:import_undo": ("post", False),
    "roster:import_apply": ("post", True),
    "roster:import_map": ("post", True),
    "roster:import_errors": ("get", True),
}


def batch_of(user, area: Area) -> int:
    """A checked batch of the user's, with faulty rows to download."""
    return ImportBatch.objects.create(
        user=user,
        area_prefix=area.code,
        file_name="花名册.xlsx",
        file_sha256="0" * 64,
        state="checked",
        error_file=seal(b"faulty rows"),
    ).pk


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_import_batches_inside_and_outside(role, cast, places, directors, client_for):
    """Every view of a batch: the role's own batch (for those who import), a batch of the
    director of 石桥村 (their county admin's to oversee), and one of 青川县."""
    fellow, stranger = directors
    fellows = batch_of(fellow, places.other_township_village)
    strangers = (
        MISSING_ID if role == "system_admin" else batch_of(stranger, places.other_county_village)
    )
    own = batch_of(cast[role], places.village) if role in CHILD_EDIT else None
    client = client_for(cast[role])
    overseen = role == "county_admin"  # not even the system admin's

    def status(name: str, batch_id: int) -> int:
        method, _alone = BATCH_VIEWS[name]
        return getattr(client, method)(reverse(name, args=[batch_id])).status_code

    for name, (method, alone) in BATCH_VIEWS.items():
        success = 200 if method == "get" else 302
        assert status(name, strangers) == 404, name
        assert status(name, fellows) == (success if overseen and not alone else 404), name
        if own is not None:
            assert status(name, own) == success, name
    # Nothing was done to the batches out of reach.
    states = ImportBatch.objects.exclude(pk=own).values_list("state", flat=True)
    assert set(states) == {"checked"}


RECORD_VIEWS = ("care:record_detail", "care:record_edit")
RECORD_ACTIONS = ("care:record_delete", "care:follow_up_done")


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_care_records_inside_and_outside(role, cast, places, kids, client_for):
    """A record of the child inside the role's place, written by the role's user (only its
    author corrects or deletes it), and one of the child outside; a record id no record
    has."""
    from guanai.care.models import CareRecord

    inside, outside = child_inside_outside(role, places)
    today = timezone.localdate()

    def record(child_id: int) -> int:
        if child_id == MISSING_ID:
            return MISSING_ID
        return CareRecord.objects.create(
            child_id=child_id,
            kind="home_visit",
            occurred_on=today,
            by=cast[role],
            created_by=cast[role],
            follow_up="再访",
            follow_up_by=today,
        ).pk

    mine, theirs = record(inside), record(outside)
    client = client_for(cast[role])
    sees = role in CHILD_VIEW - {"counsellor"}
    for name in RECORD_VIEWS:
        assert client.get(reverse(name, args=[theirs])).status_code == 404, name
        assert client.get(reverse(name, args=[mine])).status_code == (200 if sees else 404)
    for name in RECORD_ACTIONS:
        assert client.post(reverse(name, args=[theirs])).status_code == 404, name
    assert CareRecord.objects.filter(pk=theirs).exists() or theirs == MISSING_ID
    assert client.post(reverse("care:follow_up_done", args=[mine])).status_code == (
        302 if sees else 404
    )
    assert client.post(reverse("care:record_delete", args=[mine])).status_code == (
        302 if sees else 404
    )
    assert CareRecord.objects.filter(pk=mine).exists() is not sees


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_care_assignments_inside_and_outside(role, cast, places, kids, client_for):
    from guanai.care.models import Assignment

    inside, outside = child_inside_outside(role, places)

    def assignment(child_id: int) -> int:
        if child_id == MISSING_ID:
            return MISSING_ID
        return Assignment.objects.create(
            child_id=child_id, user=cast["counsellor"], kind="counsellor"
        ).pk

    mine, theirs = assignment(inside), assignment(outside)
    client = client_for(cast[role])
    end = "care:assignment_end"
    assert client.post(reverse(end, args=[theirs])).status_code == 404
    assert client.post(reverse(end, args=[mine])).status_code == (302 if role in ASSIGNING else 404)


HELPER_PAGES = ("care:helper_detail", "care:helper_edit", "care:pairing_new")
CHECK_NEW, PAIRING_END = "care:check_new", "care:pairing_end"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_helpers_and_pairings_inside_and_outside(role, cast, places, kids, client_for):
    """A helper of the role's place (paired with the role's child) and one just outside it
    (paired with the child there): only the register's keepers reach their own."""
    from guanai.care.models import BackgroundCheck, Helper, Pairing

    area_in, area_out = area_inside_outside(role, places)
    child_in, child_out = child_inside_outside(role, places)
    today = timezone.localdate()

    def paired(code: str, child_id: int) -> tuple[int, int]:
        helper = Helper.objects.create(kind="organisation", name="县妇联", area_id=code)
        return helper.pk, Pairing.objects.create(
            helper=helper, child_id=child_id, started_on=today
        ).pk

    helper_in, pairing_in = paired(area_in, child_in)
    helper_out, pairing_out = (
        (MISSING_ID, MISSING_ID) if role == "system_admin" else paired(area_out, child_out)
    )
    client = client_for(cast[role])
    keeper = role in HELPER_KEEPERS
    check = {"checked_on": today.isoformat(), "result": "clear"}
    end = {"ended_on": today.isoformat(), "end_reason": "finished"}
    for name in HELPER_PAGES:
        assert client.get(reverse(name, args=[helper_out])).status_code == 404, name
        assert client.get(reverse(name, args=[helper_in])).status_code == (
            200 if keeper else 404
        ), name
    assert client.post(reverse(CHECK_NEW, args=[helper_out]), check).status_code == 404
    assert client.post(reverse(PAIRING_END, args=[pairing_out]), end).status_code == 404
    assert not BackgroundCheck.objects.filter(helper_id=helper_out).exists()
    if role != "system_admin":
        assert Pairing.objects.get(pk=pairing_out).ended_on is None
    expected = 302 if keeper else 404
    assert client.post(reverse(CHECK_NEW, args=[helper_in]), check).status_code == expected
    assert client.post(reverse(PAIRING_END, args=[pairing_in]), end).status_code == expected
    assert BackgroundCheck.objects.filter(helper_id=helper_in).exists() == keeper
    assert (Pairing.objects.get(pk=pairing_in).ended_on is not None) == keeper


SUPERVISION_PAGES = ("care:supervision_detail", "care:supervision_edit")


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_supervision_visits_inside_and_outside(role, cast, places, client_for):
    """A visit to the role's village or township logged by the township's supervisor (who
    wrote it: only they correct it), and one to a village of another county."""
    from guanai.care.models import SupervisionVisit

    def visit(village: Area, by) -> int:
        return SupervisionVisit.objects.create(
            township=village.parent,
            village=village,
            visited_on=timezone.localdate(),
            checked="检查",
            by=by,
        ).pk

    outsider = make_user(
        "qz_supervisor", role="township_supervisor", area=places.other_county_township
    )
    inside = visit(places.village, cast["township_supervisor"])
    # The system admin sees every county's: for them, an id no visit has.
    outside = MISSING_ID if role == "system_admin" else visit(places.other_county_village, outsider)
    client = client_for(cast[role])
    for name in SUPERVISION_PAGES:
        assert client.get(reverse(name, args=[outside])).status_code == 404, name
    reads = role in SUPERVISION_READERS
    assert client.get(reverse("care:supervision_detail", args=[inside])).status_code == (
        200 if reads else 404
    )
    writes = role == "township_supervisor"
    assert client.get(reverse("care:supervision_edit", args=[inside])).status_code == (
        200 if writes else 404
    )


def test_every_view_is_in_the_matrix():
    """The views the tests above request, each inside and outside every role's scope (or
    for every role, or for a visitor): a view only listed is in none of these."""
    requested = (
        PUBLIC_VIEWS
        | OWN_VIEWS
        | LIST_VIEWS
        | LOGIN_STEP_VIEWS
        | set(MANAGER_ONLY_VIEWS)
        | set(POST_ONLY_VIEWS)
        | {name for name, _inside_outside, _allowed in DETAIL_VIEWS}
        | {name for name, _data, _allowed, _status in CHILD_ACTIONS}
        | {CHILD_PHOTO, CONSENT_WITHDRAW, USER_DETAIL, MEMBERSHIP_DELETE}
        | set(ACCOUNT_ACTIONS)
        | set(CONFLICT_ACTIONS)
        | {*EXPORT_VIEWS, EXPORT_CANCEL}
        | set(BATCH_VIEWS)
        | {*RECORD_VIEWS, *RECORD_ACTIONS, "care:assignment_end"}
        | set(SUPERVISION_PAGES)
        | {*HELPER_PAGES, CHECK_NEW, PAIRING_END}
    )
    assert all_url_names() == requested
