"""The demo county: its areas, a plausible set of schools, and one user per role."""

from dataclasses import dataclass

from django.db import transaction

from guanai.accounts.models import Membership, Role, ScopeKind, User
from guanai.areas.models import Area, AreaLevel, School, SchoolStage
from guanai.areas.services import area_load_subtree, normalize_division_code

# Stated in the README; the demo database is for trying Guanai out, never for real data.
DEMO_PASSWORD = "Guanai@2026"  # noqa: S105

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
    county: Area
    township: Area
    village: Area
    school: School


def _short_name(township: Area) -> str:
    name = township.name
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _school_plan(township: Area, index: int) -> list[tuple[str, str]]:
    """A central primary school everywhere; a junior school or nine-year school by turns."""
    short = _short_name(township)
    plan = [(f"{short}小学", SchoolStage.PRIMARY), (f"{short}中心幼儿园", SchoolStage.KINDERGARTEN)]
    plan.append(
        (f"{short}初级中学", SchoolStage.JUNIOR)
        if index % 3
        else (f"{short}九年制学校", SchoolStage.NINE_YEAR)
    )
    return plan + [(name, str(stage)) for name, stage in _NAMED_SCHOOLS.get(township.code, [])]


def demo_schools_ensure(county: Area) -> int:
    """Create the demo schools of the county that do not exist yet; returns how many were made."""
    townships = Area.objects.filter(parent=county, level=AreaLevel.TOWNSHIP).order_by("code")
    existing = set(School.objects.filter(area__parent=county).values_list("area_id", "name"))
    new = []
    for index, township in enumerate(townships):
        for number, (name, stage) in enumerate(_school_plan(township, index), start=1):
            if (township.code, name) not in existing:
                code = f"{township.code[:9]}{number:02d}"
                new.append(School(name=name, code=code, area=township, stage=stage))
    School.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def demo_places(county: Area) -> DemoPlaces:
    """The township, village and school the demo users are bound to: the first rural ones."""
    village = (
        Area.objects.filter(
            code__startswith=county.prefix, level=AreaLevel.VILLAGE, name__contains="村民"
        )
        .order_by("code")
        .first()
    ) or Area.objects.filter(code__startswith=county.prefix, level=AreaLevel.VILLAGE).order_by(
        "code"
    ).first()
    if village is None or village.parent is None:
        raise ValueError(f"county {county.code} has no villages loaded")
    township = village.parent
    school = School.objects.filter(area=township).order_by("code").first()
    if school is None:
        raise ValueError(f"township {township.code} has no schools")
    return DemoPlaces(county=county, township=township, village=village, school=school)


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
        users.append(user)
    return users


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
    code = normalize_division_code(county_code)
    result = area_load_subtree(code=code)
    county = result.root
    demo_schools_ensure(county)
    places = demo_places(county)
    return places, demo_users_ensure(places)
