"""The care work's codes. Labels are what a village director reads; codes never change."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("入户走访")
    GUARDIAN_CONTACT = "guardian_contact", _("监护人联系")
    PARENT_CONTACT = "parent_contact", _("亲情联系")
    COUNSELLING = "counselling", _("心理辅导")
    TUTORING = "tutoring", _("学业辅导")
    ASSISTANCE = "assistance", _("物资或资金帮扶")
    SAFETY_EDUCATION = "safety_education", _("安全教育")
    OTHER = "other", _("其他")


class Method(models.TextChoices):
    IN_PERSON = "in_person", _("当面")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")
    PARENTS_MEETING = "parents_meeting", _("家长会")


# How each kind may be done: a parent–child contact is a call (亲情电话) or a video call; a
# parents' meeting is a way of contacting guardians only.
METHODS_BY_KIND: dict[str, tuple[str, ...]] = {
    RecordKind.PARENT_CONTACT: (Method.PHONE, Method.VIDEO),
    RecordKind.GUARDIAN_CONTACT: (
        Method.IN_PERSON,
        Method.PHONE,
        Method.VIDEO,
        Method.PARENTS_MEETING,
    ),
}
DEFAULT_METHODS: tuple[str, ...] = (Method.IN_PERSON, Method.PHONE, Method.VIDEO)


class Caller(models.TextChoices):
    """Who called, in a parent–child contact."""

    PARENT = "parent", _("父母打来")
    CHILD = "child", _("孩子打给父母")


class Unit(models.TextChoices):
    DAY = "day", _("天")
    WEEK = "week", _("周")
    MONTH = "month", _("个月")


class AssignmentKind(models.TextChoices):
    MENTOR = "mentor", _("导师")
    COUNSELLOR = "counsellor", _("心理辅导教师")


class HelperKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者")
    PROXY_PARENT = "proxy_parent", _("代理家长")
    TEMPORARY_MOTHER = "temporary_mother", _("临时妈妈/爱心妈妈")
    TEACHER_MENTOR = "teacher_mentor", _("教师导师")
    ELDER = "elder", _("五老")
    OTHER = "other", _("其他")
    ORGANISATION = "organisation", _("组织或单位")


class CheckResult(models.TextChoices):
    CLEAR = "clear", _("无不良记录")
    NOT_CLEAR = "not_clear", _("有不良记录")


class EndReason(models.TextChoices):
    FINISHED = "finished", _("帮扶期满")
    HELPER_LEFT = "helper_left", _("帮扶人退出")
    CHILD_LEFT = "child_left", _("儿童移出或迁走")
    CHECK_FAILED = "check_failed", _("背景审查未通过")
    OTHER = "other", _("其他")
