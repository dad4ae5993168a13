"""The roles of DESIGN.md §1. A data migration writes them; tests and the demo read them."""

from typing import TypedDict


class RoleSpec(TypedDict):
    code: str
    name: str
    name_en: str
    rank: int
    scope_kind: str
    area_level: str
    manages_users: bool
    manages_schools: bool
    privileged: bool


def _role(
    code: str,
    name: str,
    name_en: str,
    rank: int,
    scope_kind: str,
    area_level: str = "",
    *,
    manages_users: bool = False,
    manages_schools: bool = False,
    privileged: bool = False,
) -> RoleSpec:
    return RoleSpec(
        code=code,
        name=name,
        name_en=name_en,
        rank=rank,
        scope_kind=scope_kind,
        area_level=area_level,
        manages_users=manages_users,
        manages_schools=manages_schools,
        privileged=privileged,
    )


ROLES: tuple[RoleSpec, ...] = (
    _role(
        "system_admin",
        "系统管理员",
        "System administrator",
        100,
        "global",
        manages_users=True,
        manages_schools=True,
        privileged=True,
    ),
    _role(
        "county_admin",
        "县民政局",
        "County civil affairs",
        80,
        "area",
        "county",
        manages_users=True,
        manages_schools=True,
        privileged=True,
    ),
    _role(
        "county_education",
        "县教育局",
        "County education bureau",
        70,
        "area",
        "county",
        manages_schools=True,
        privileged=True,
    ),
    _role(
        "league",
        "团县委/妇联",
        "Youth League / Women's Federation",
        60,
        "area",
        "county",
        privileged=True,
    ),
    _role("auditor", "统计查询", "Statistics (aggregate only)", 50, "area"),
    _role(
        "township_supervisor", "乡镇儿童督导员", "Township child supervisor", 40, "area", "township"
    ),
    _role("school_admin", "学校管理员", "School administrator", 30, "school"),
    _role("village_director", "村(居)儿童主任", "Village child director", 20, "area", "village"),
    _role("teacher", "责任教师", "Responsible teacher", 15, "school"),
    _role("counsellor", "心理辅导教师", "Counsellor", 15, "school"),
    _role("volunteer", "志愿者", "Volunteer", 10, "area"),
)
