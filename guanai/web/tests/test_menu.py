"""The menu follows the user's roles, whichever app registered each entry.

The expected menus are written out from the roles' rules (DESIGN.md §1, accounts/scope.py),
not read from the registry: everyone has the home page and their own account; anyone with a
role somewhere sees areas and schools; those who see children's files the roster, those who
review entries the review queue; those who manage users user management; the system admin
and county admins (who administer a county) the access log, the identity conflicts and the
retention periods.
"""

import pytest
from django.urls import reverse

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess
from guanai.web import menu

pytestmark = pytest.mark.django_db

ADMINISTRATOR = [
    "工作台",
    "儿童名册",
    "待审核",
    "地区",
    "学校",
    "用户管理",
    "访问日志",
    "身份冲突",
    "保留期限",
    "我的账号",
]
REVIEWER = ["工作台", "儿童名册", "待审核", "地区", "学校", "我的账号"]
READER = ["工作台", "儿童名册", "地区", "学校", "我的账号"]
NO_FILES = ["工作台", "地区", "学校", "我的账号"]

# The care work (guanai/care/shell.py): My tasks for those with children of their own to
# care for; the overview of their places' care for supervisors; the helper register for its
# keepers.
CARING = {"village_director", "teacher", "counsellor", "volunteer"}
SUPERVISING = {"system_admin", "county_admin", "county_education", "league"} | {
    "township_supervisor",
    "school_admin",
}
HELPER_KEEPERS = {"system_admin", "county_admin", "league", "township_supervisor"} | {
    "village_director"
}
SUPERVISION_READERS = {"system_admin", "county_admin", "county_education", "township_supervisor"}


def with_care(role: str, base: list[str]) -> list[str]:
    """The role's menu of children and places, with the care entries its rules give."""
    menu = list(base)
    if role in CARING:
        menu.insert(1, "我的待办")
    after = menu.index(
        "待审核" if "待审核" in menu else "儿童名册" if "儿童名册" in menu else "工作台"
    )
    care = [
        label
        for label, roles in (
            ("关爱督导", SUPERVISING),
            ("帮扶人", HELPER_KEEPERS),
            ("督导日志", SUPERVISION_READERS),
        )
        if role in roles
    ]
    return menu[: after + 1] + care + menu[after + 1 :]


BASE_MENUS = {
    "system_admin": ADMINISTRATOR,
    "county_admin": ADMINISTRATOR,
    "county_education": READER,
    "league": READER,
    "auditor": NO_FILES,
    "township_supervisor": REVIEWER,
    # A school administrator and a village director register and correct children, but
    # their entries are reviewed above them.
    "school_admin": READER,
    "village_director": READER,
    "teacher": READER,
    "counsellor": READER,
    "volunteer": NO_FILES,
}
EXPECTED_MENUS = {role: with_care(role, base) for role, base in BASE_MENUS.items()}


def test_the_care_entries_stand_where_the_rules_say():
    assert EXPECTED_MENUS["village_director"] == [
        "工作台",
        "我的待办",
        "儿童名册",
        "帮扶人",
        "地区",
        "学校",
        "我的账号",
    ]
    assert EXPECTED_MENUS["volunteer"] == ["工作台", "我的待办", "地区", "学校", "我的账号"]
    assert EXPECTED_MENUS["auditor"] == NO_FILES


def menu_labels(client, url: str = "") -> list[str]:
    response = client.get(url or reverse("web:home"))
    assert response.status_code == 200
    return [str(item.label) for item in response.context["nav_items"]]


@pytest.fixture
def registry(monkeypatch):
    """The menu's registry, restored after the test."""
    monkeypatch.setattr(menu, "_ENTRIES", dict(menu._ENTRIES))


def test_every_role_is_given_exactly_the_menu_of_its_rules(cast, client_for):
    assert set(EXPECTED_MENUS) == set(cast)  # a new role must be given its menu here
    menus = {role: menu_labels(client_for(user)) for role, user in cast.items()}
    assert menus == EXPECTED_MENUS


def test_a_user_without_a_role_has_only_the_home_page_and_their_account(places, client_for):
    nobody = User.objects.create(username="nobody")
    assert menu_labels(client_for(nobody)) == ["工作台", "我的账号"]


def test_each_entry_opens_its_page_and_is_highlighted_across_its_section(cast, kids, client_for):
    client = client_for(cast["county_admin"])
    child = kids.village
    response = client.get(reverse("children:child_detail", args=[child.pk]))
    assert response.status_code == 200
    active = [item for item in response.context["nav_items"] if item.active]
    assert [(str(item.label), item.url) for item in active] == [
        ("儿童名册", reverse("children:child_list"))
    ]
    for item in response.context["nav_items"]:
        assert client.get(item.url, follow=True).status_code == 200, item.url


def test_the_menu_is_in_the_page_only_for_a_logged_in_user(cast, client_for, client):
    response = client_for(cast["village_director"]).get(reverse("accounts:my_account"))
    page = response.content.decode()
    assert 'data-testid="main-nav"' in page
    assert f'href="{reverse("children:child_list")}"' in page
    assert 'data-testid="main-nav"' not in client.get(reverse("accounts:login")).content.decode()


def test_an_entry_registered_by_an_app_appears_for_the_roles_its_rule_admits(
    registry, cast, client_for
):
    menu.register(
        menu.MenuEntry(
            "exports:export_list",
            "复核记录",
            "bi-clipboard-check",
            order=21,
            visible=lambda _user, scope: ChildAccess.REVIEW in scope.child_access(),
        )
    )
    reviewers = {"system_admin", "county_admin", "township_supervisor"}
    for role, user in cast.items():
        labels = menu_labels(client_for(user))
        if role in reviewers:
            assert labels[labels.index("待审核") + 1] == "复核记录", role
        else:
            assert "复核记录" not in labels, role


def test_an_entry_registered_again_replaces_the_first(registry, cast, client_for):
    menu.register(
        menu.MenuEntry(
            "accounts:my_account", "账号与安全", "bi-person-circle", order=1, visible=menu.everyone
        )
    )
    assert menu_labels(client_for(cast["volunteer"])) == [
        "工作台",
        "账号与安全",
        "我的待办",
        "地区",
        "学校",
    ]
