"""The fixed cast of the tests: a small real-looking area tree and one persona per role.

Places (codes are real 统计用区划代码):
  旺苍县 510821 — the county every persona but the system admin works in
    东河镇 510821100 — 长滩村 (director's and volunteer's village), 四新村
    嘉川镇 510821101 — 石桥村
  青川县 510822 — a neighbouring county nobody in the cast may see (bar the system admin)
Schools: 东河小学 (in 东河镇, the school roles' school), 嘉川小学, 青川县乔庄小学.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from guanai.accounts.models import Membership, Role, User
from guanai.accounts.roles import ROLES
from guanai.areas.models import Area, School


@dataclass
class Places:
    province: Area
    city: Area
    county: Area
    township: Area
    village: Area
    sibling_village: Area
    other_township: Area
    other_township_village: Area
    other_county: Area
    other_county_township: Area
    other_county_village: Area
    school: School
    other_township_school: School
    other_county_school: School


def _area(code: str, name: str, level: str, parent: Area | None) -> Area:
    return Area.objects.create(code=code.ljust(12, "0"), name=name, level=level, parent=parent)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def roles(db) -> None:
    """The role rows; written by a migration, rewritten here for tests that flush the database."""
    for spec in ROLES:
        Role.objects.update_or_create(code=spec["code"], defaults=dict(spec))


@pytest.fixture
def places(roles) -> Places:
    province = _area("51", "四川省", "province", None)
    city = _area("5108", "广元市", "city", province)
    county = _area("510821", "旺苍县", "county", city)
    township = _area("510821100", "东河镇", "township", county)
    other_county = _area("510822", "青川县", "county", city)
    other_county_township = _area("510822100", "乔庄镇", "township", other_county)
    other_township = _area("510821101", "嘉川镇", "township", county)
    return Places(
        province=province,
        city=city,
        county=county,
        township=township,
        village=_area("510821100203", "长滩村村民委员会", "village", township),
        sibling_village=_area("510821100204", "四新村村民委员会", "village", township),
        other_township=other_township,
        other_township_village=_area("510821101202", "石桥村村民委员会", "village", other_township),
        other_county=other_county,
        other_county_township=other_county_township,
        other_county_village=_area(
            "510822100201", "城郊村村民委员会", "village", other_county_township
        ),
        school=School.objects.create(
            name="东河小学", code="5108211001", area=township, stage="primary"
        ),
        other_township_school=School.objects.create(
            name="嘉川小学", code="5108211011", area=other_township, stage="primary"
        ),
        other_county_school=School.objects.create(
            name="乔庄小学", code="5108221001", area=other_county_township, stage="primary"
        ),
    )


def make_user(
    username: str, *, role: str, area: Area | None = None, school: School | None = None
) -> User:
    user = User.objects.create(username=username, full_name=username)
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, role=Role.objects.get(code=role), area=area, school=school)
    return user


def persona_place(role: str, places: Places) -> tuple[Area | None, School | None]:
    """Where each role's persona works."""
    return {
        "system_admin": (None, None),
        "county_admin": (places.county, None),
        "county_education": (places.county, None),
        "league": (places.county, None),
        "auditor": (places.county, None),
        "township_supervisor": (places.township, None),
        "village_director": (places.village, None),
        "volunteer": (places.village, None),
        "school_admin": (None, places.school),
        "teacher": (None, places.school),
        "counsellor": (None, places.school),
    }[role]


@pytest.fixture
def cast(places) -> dict[str, User]:
    """One user per role, named after the role code, at the places above."""
    users = {}
    for role in Role.objects.values_list("code", flat=True):
        area, school = persona_place(role, places)
        users[role] = make_user(role, role=role, area=area, school=school)
    return users


@pytest.fixture
def client_for():
    def _client(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client
