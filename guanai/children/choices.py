"""The coded answers of a child's file (the 2016 form's choices and Guanai's own): one
place for the codes the models store, the forms offer, the roster reads and writes, and
the demo draws from. Migrations keep the codes and labels themselves (choices by value),
so moving a class here changes no migration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    DISABLED = "disabled", _("残疾")
    SERIOUSLY_ILL = "seriously_ill", _("患重病")


class Schooling(models.TextChoices):
    NOT_IN_KINDERGARTEN = "not_in_kindergarten", _("未入园")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    DROPPED_OUT = "dropped_out", _("辍学")
    NOT_IN_SCHOOL = "not_in_school", _("不在学")


# Schooling states in which a child has a school.
AT_SCHOOL = frozenset(
    {
        Schooling.KINDERGARTEN,
        Schooling.PRIMARY,
        Schooling.JUNIOR,
        Schooling.SENIOR,
        Schooling.VOCATIONAL,
    }
)


class GuardianshipType(models.TextChoices):
    GRANDPARENT = "grandparent", _("祖辈监护")
    RELATIVE = "relative", _("亲友委托监护")
    PARENT = "parent", _("父母一方监护")
    NONE = "none", _("无人监护")


class Assessment(models.TextChoices):
    NO_GUARDIAN = "no_guardian", _("无人监护")
    PARENT_INCAPABLE = "parent_incapable", _("父或母无监护能力")
    GUARDIAN_INSUFFICIENT = "guardian_insufficient", _("受委托监护人监护能力不足")
    ORDINARY = "ordinary", _("一般")
    GOOD = "good", _("较好")


class Relationship(models.TextChoices):
    GRANDFATHER = "grandfather", _("祖父")
    GRANDMOTHER = "grandmother", _("祖母")
    MATERNAL_GRANDFATHER = "maternal_grandfather", _("外祖父")
    MATERNAL_GRANDMOTHER = "maternal_grandmother", _("外祖母")
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    SIBLING = "sibling", _("兄姐")
    UNCLE_AUNT = "uncle_aunt", _("叔伯姑舅姨")
    OTHER_RELATIVE = "other_relative", _("其他亲属")
    NEIGHBOUR = "neighbour", _("邻居朋友")
    OTHER = "other", _("其他")


GRANDPARENT_RELATIONSHIPS = (
    Relationship.GRANDFATHER,
    Relationship.GRANDMOTHER,
    Relationship.MATERNAL_GRANDFATHER,
    Relationship.MATERNAL_GRANDMOTHER,
)


class FamilySlot(models.TextChoices):
    """The family members a child's file points to, one each (`Child.father`, `.mother`,
    `.guardian`; the value is the field's name). Grandparents are links of their own
    (`Grandparent`), as many as there are."""

    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    GUARDIAN = "guardian", _("委托监护人")


# The parents, whose being away for work decides whether the child is left behind.
PARENT_SLOTS = (FamilySlot.FATHER.value, FamilySlot.MOTHER.value)


class Subject(models.TextChoices):
    """Which record of a child's file something is about: the child's own, a family slot's
    or a grandparent's. A history entry's subject (`ChildChange.subject`), and the record an
    ID number was typed for or is held by (`conflicts.IdentityConflict`)."""

    CHILD = "child", _("儿童本人")
    FATHER = FamilySlot.FATHER.value, FamilySlot.FATHER.label
    MOTHER = FamilySlot.MOTHER.value, FamilySlot.MOTHER.label
    GUARDIAN = FamilySlot.GUARDIAN.value, FamilySlot.GUARDIAN.label
    GRANDPARENT = "grandparent", _("祖辈")


class Incapacity(models.TextChoices):
    SERIOUS_ILLNESS = "serious_illness", _("重病")
    DISABILITY = "disability", _("重残")
    DETAINED = "detained", _("服刑或强制隔离戒毒")
    OTHER = "other", _("其他原因")


class IncomeSource(models.TextChoices):
    MIGRANT_WORK = "migrant_work", _("务工收入")
    FARMING = "farming", _("务农收入")
    BUSINESS = "business", _("经营收入")
    ASSISTANCE = "assistance", _("救助补贴")
    OTHER = "other", _("其他")


class Assistance(models.TextChoices):
    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困供养")
    TEMPORARY = "temporary", _("临时救助")
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("教育资助")
    UNSUPPORTED_CHILD = "unsupported_child", _("事实无人抚养儿童保障")
    DISABILITY = "disability", _("残疾人补贴")
    OTHER = "other", _("其他")


class Concern(models.TextChoices):
    """The six concerns the seeds sort children by (六失)."""

    ACADEMIC = "academic", _("学业偏差")
    LIVELIHOOD = "livelihood", _("生活失助")
    PSYCHOLOGICAL = "psychological", _("心理失衡")
    MORAL = "moral", _("道德失范")
    SAFETY = "safety", _("安全失保")
    AFFECTION = "affection", _("感情缺失")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class Status(models.TextChoices):
    ACTIVE = "active", _("在册")
    EXITED = "exited", _("已移出")


class ExitReason(models.TextChoices):
    AGED_OUT = "aged_out", _("超过年龄")
    PARENT_RETURNED = "parent_returned", _("父母返乡")
    WITH_PARENTS = "with_parents", _("随父母外出")
    MOVED = "moved", _("迁出或转学")
    DECEASED = "deceased", _("死亡")
    DUPLICATE = "duplicate", _("重复登记")
    OTHER = "other", _("其他")


class MissingField(models.TextChoices):
    """The official fields a child's file may lack for a while (待补充), in the form's order:
    see children.completeness for the rule."""

    HEALTH = "health", _("健康状况")
    SCHOOLING = "schooling", _("就学状况")
    GUARDIANSHIP_TYPE = "guardianship_type", _("监护类型")
    ASSESSMENT = "assessment", _("监护情况评估")
    PARENTS_WORK = "parents_work", _("父母外出务工情况")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


# Guardian consent (监护人同意): what it is for, and how it was given.


class ConsentPurpose(models.TextChoices):
    PHOTO = "photo", _("照片")
    COUNSELLING = "counselling", _("心理辅导")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("书面签字")
    ORAL = "oral", _("口头（有见证人）")
    PHONE = "phone", _("电话")
    MESSAGE = "message", _("短信或微信")
