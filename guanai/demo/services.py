"""The demo county: its areas, a plausible set of schools, and one user per role.

The children come from `guanai.demo.children`.
"""

import base64
from dataclasses import dataclass
from itertools import groupby

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanai.accounts.models import Membership, Role, ScopeKind, User
from guanai.areas.codes import prefix_at
from guanai.areas.models import Area, AreaLevel, School, SchoolStage, township_short_name
from guanai.areas.services import area_load_subtree, normalize_division_code

# Stated in the README; the demo database is for trying Guanai out, never for real data.
DEMO_PASSWORD = "Guanai@2026"  # noqa: S105
# The demo's system and county logins need a second factor; their authenticator shares this
# published key (base32 GUANAIDEMOGUANAIDEMOGUANAIDEMO22 as typed into an app), and
# `manage.py demo_code` prints its current code. Published, hence worthless outside the demo.
DEMO_TOTP_KEY = base64.b32decode("GUANAIDEMOGUANAIDEMOGUANAIDEMO22").hex()

# Schools the Wangcang work summaries name, by township code.
_NAMED_SCHOOLS = {
    "510821100000": [("旺苍县实验学校", SchoolStage.NINE_YEAR)],
    "510821103000": [("陈家岭小学", SchoolStage.PRIMARY)],
    "510821107000": [("普济九江小学", SchoolStage.PRIMARY)],
}

_DEMO_USER_NAMES = {
    "system_admin": "系统管理员",
    "county_admin": "县民政局 王科长",
    "county_education": "县教育局 李股长",
    "league": "团县委 赵书记",
    "auditor": "统计员 孙会计",
    "township_supervisor": "乡镇督导员 刘明",
    "school_admin": "学校管理员 陈校长",
    "village_director": "儿童主任 张兰",
    "teacher": "责任教师 周老师",
    "counsellor": "心理老师 吴老师",
    "volunteer": "志愿者 郑红",
}


@dataclass(frozen=True)
class DemoPlaces:
    """Where the demo users work. `root` is the area loaded (a province, city or county);
    `county` is the county the users are bound to: the root itself, or the first county
    under it with a rural village."""

    root: Area
    county: Area
    township: Area
    village: Area
    school: School


def _county_short_name(name: str) -> str:
    """旺苍县 -> 旺苍, 北川羌族自治县 -> 北川, 锦江区 -> 锦江: as the county's schools are named."""
    if "族自治" in name:
        return name[:2]
    if name[-1:] in ("县", "区", "市", "旗") and len(name) > 2:
        return name[:-1]
    return name


def _school_plan(township: Area, index: int, county_name: str) -> list[tuple[str, str]]:
    """A central primary school everywhere; a junior school or nine-year school by turns.

    The first township (the county seat in the division codes) also holds the county's
    senior high school and vocational school, so older children have a school to be at.
    """
    short = township_short_name(township.name)
    plan: list[tuple[str, str]] = [
        (f"{short}小学", SchoolStage.PRIMARY),
        (f"{short}中心幼儿园", SchoolStage.KINDERGARTEN),
    ]
    plan.append(
        (f"{short}初级中学", SchoolStage.JUNIOR)
        if index % 3
        else (f"{short}九年制学校", SchoolStage.NINE_YEAR)
    )
    plan += [(name, str(stage)) for name, stage in _NAMED_SCHOOLS.get(township.code, [])]
    if index == 0:
        county_short = _county_short_name(county_name)
        plan += [
            (f"{county_short}中学", SchoolStage.SENIOR),
            (f"{county_short}职业中学", SchoolStage.VOCATIONAL),
        ]
    return plan


def demo_schools_ensure(root: Area) -> int:
    """Create the demo schools of every township under `root` (a province, city or county)
    that do not exist yet; returns how many were made."""
    townships = (
        Area.objects.filter(code__startswith=root.prefix, level=AreaLevel.TOWNSHIP)
        .select_related("parent")
        .order_by("code")
    )
    existing = set(
        School.objects.filter(area__code__startswith=root.prefix).values_list("area_id", "name")
    )
    new = []
    for _county_code, county_townships in groupby(townships, key=lambda t: t.parent_id):
        for index, township in enumerate(county_townships):
            county_name = township.parent.name if township.parent else ""
            plan = _school_plan(township, index, county_name)
            for number, (name, stage) in enumerate(plan, start=1):
                if (township.code, name) not in existing:
                    code = f"{prefix_at(township.code, 'township')}{number:02d}"
                    new.append(School(name=name, code=code, area=township, stage=stage))
    School.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)


def demo_places(root: Area) -> DemoPlaces:
    """The county, township, village and school the demo users are bound to: the first
    rural village under `root`, its township and county, and that township's first school."""
    villages = Area.objects.filter(code__startswith=root.prefix, level=AreaLevel.VILLAGE)
    village = (
        villages.filter(name__contains="村民").select_related("parent__parent").order_by("code")
    ).first() or villages.select_related("parent__parent").order_by("code").first()
    if village is None or village.parent is None or village.parent.parent is None:
        raise ValueError(f"area {root.code} has no villages loaded")
    township = village.parent
    county = township.parent
    assert county is not None
    school = School.objects.filter(area=township).order_by("code").first()
    if school is None:
        raise ValueError(f"township {township.code} has no schools")
    return DemoPlaces(root=root, county=county, township=township, village=village, school=school)


def demo_users_ensure(places: DemoPlaces) -> list[User]:
    """One user per role, named after the role code, with the demo password."""
    users = []
    for role in Role.objects.all():
        user, created = User.objects.get_or_create(
            username=role.code, defaults={"full_name": _DEMO_USER_NAMES.get(role.code, role.name)}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        area, school = _demo_place_for(role, places)
        Membership.objects.get_or_create(user=user, role=role, area=area, school=school)
        if role.privileged:
            TOTPDevice.objects.get_or_create(
                user=user,
                name="演示验证器",
                defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
            )
        users.append(user)
    return users


def demo_code() -> str:
    """The demo authenticator's code of this moment."""
    generator = TOTP(bytes.fromhex(DEMO_TOTP_KEY))
    return f"{generator.token():06d}"


def _demo_place_for(role: Role, places: DemoPlaces) -> tuple[Area | None, School | None]:
    if role.scope_kind == ScopeKind.GLOBAL:
        return None, None
    if role.scope_kind == ScopeKind.SCHOOL:
        return None, places.school
    by_level = {
        AreaLevel.COUNTY: places.county,
        AreaLevel.TOWNSHIP: places.township,
        AreaLevel.VILLAGE: places.village,
    }
    if role.area_level:
        return by_level[AreaLevel(role.area_level)], None
    # Volunteers serve in a village; auditors read the whole county.
    return (places.village if role.code == "volunteer" else places.county), None


@transaction.atomic
def demo_load(*, county_code: str) -> tuple[DemoPlaces, list[User]]:
    """Areas, schools and users of the demo; `county_code` may also name a province or city."""
    code = normalize_division_code(county_code)
    result = area_load_subtree(code=code)
    demo_schools_ensure(result.root)
    places = demo_places(result.root)
    return places, demo_users_ensure(places)
