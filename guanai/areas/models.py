from django.db import models
from django.utils.translation import gettext_lazy as _

from guanai.areas.codes import PREFIX_LENGTH


def village_short_name(name: str) -> str:
    """长滩村村民委员会 -> 长滩村, 卸甲碥社区居民委员会 -> 卸甲碥社区: as people say them."""
    for suffix in ("村民委员会", "居民委员会", "村委会", "居委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def township_short_name(name: str) -> str:
    """东河镇 -> 东河, 东城街道办事处 -> 东城: as people say them."""
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村(居)")


class Area(models.Model):
    """An administrative area, keyed by its 12-digit statistical division code.

    The code is the primary key so that anything pointing at an area carries the
    code itself: "inside this county" is a prefix test on that indexed column,
    with no join.
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="area_code_twelve_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def short_name(self) -> str:
        return village_short_name(self.name)

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]


class SchoolStage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    TEACHING_POINT = "teaching_point", _("教学点")
    JUNIOR = "junior", _("初级中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    SENIOR = "senior", _("高级中学")
    COMPLETE_SECONDARY = "complete_secondary", _("完全中学")
    VOCATIONAL = "vocational", _("中等职业学校")
    SPECIAL = "special", _("特殊教育学校")


class School(models.Model):
    name = models.CharField(_("学校名称"), max_length=100)
    code = models.CharField(_("学校标识码"), max_length=20, unique=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="schools", verbose_name=_("所在乡镇")
    )
    stage = models.CharField(_("学段"), max_length=20, choices=SchoolStage.choices)

    class Meta:
        ordering = ["area_id", "name"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="school_name_unique_in_area"),
        ]

    def __str__(self) -> str:
        return self.name
