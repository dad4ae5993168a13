"""One file per child (一人一档), after the 2016 form 《农村留守儿童基本情况登记表》.

Parents, grandparents and guardians are `Person` rows of their own: siblings
share their parents, and one grandmother may look after several children.

ID numbers, phone numbers and addresses are encrypted at rest
(`EncryptedTextField`); each ID number has a keyed hash beside it (blind index)
for exact lookup and uniqueness. Whether a child counts as left behind is derived
from the facts (`parents_away_2016`, `parent_away`, household registration and
birth date) and never typed in.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.children.choices import (
    GRANDPARENT_RELATIONSHIPS,
    Assessment,
    Assistance,
    Concern,
    ConsentMethod,
    ConsentPurpose,
    ExitReason,
    Gender,
    GuardianshipType,
    Health,
    Incapacity,
    IncomeSource,
    MissingField,
    Relationship,
    ReviewState,
    RiskLevel,
    Schooling,
    Status,
    Subject,
)
from guanai.core.fields import EncryptedTextField


class ChoiceSetField(models.CharField):
    """A set of choice codes kept as ",a,b," so `field__contains=",a,"` filters exactly."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> list[str]:
        return [v for v in (value or "").split(",") if v]

    def to_python(self, value: object) -> list[str]:
        if isinstance(value, list):
            return value
        return [v for v in str(value or "").split(",") if v]

    def get_prep_value(self, value: object) -> str:
        if isinstance(value, str):
            return value
        codes = sorted(set(value or []))  # type: ignore[call-overload]
        return f",{','.join(codes)}," if codes else ""

    def validate(self, value: object, model_instance: object) -> None:
        allowed = {code for code, _label in self.choices or []}
        for code in value or []:  # type: ignore[attr-defined]
            if code not in allowed:
                raise ValidationError(_("无效的选项：%(value)s"), params={"value": code})

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj))


# The columns the child list filters and sorts by (see the search indexes of Child).
_LIST_COLUMNS = (
    "village",
    "name",
    "status",
    "review_state",
    "birth_date",
    "hukou_rural",
    "parents_away_2016",
    "parent_away",
    "risk_level",
    "guardianship_type",
    "school",
    "responsible_teacher",
    "concerns",
    "anonymised_at",
)


class Person(models.Model):
    """A parent, grandparent or guardian: one row however many children they have."""

    name = models.CharField(_("姓名"), max_length=60)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True, default="")
    id_number_index = models.CharField(max_length=32, blank=True, default="", editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    address = EncryptedTextField(_("住址"), blank=True, default="")
    away_for_work = models.BooleanField(_("外出务工"), default=False)
    work_province = models.CharField(_("务工省份"), max_length=20, blank=True)
    work_city = models.CharField(_("务工城市"), max_length=30, blank=True)
    able_to_guard = models.BooleanField(_("有监护能力"), default=True)
    incapacity = models.CharField(
        _("无监护能力原因"), max_length=20, choices=Incapacity.choices, blank=True
    )
    health_note = models.CharField(_("健康状况"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="person_unique_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def work_place(self) -> str:
        return f"{self.work_province}{self.work_city}"


class Child(models.Model):
    # Identity
    name = models.CharField(_("姓名"), max_length=60)
    # Pinyin initials ("zs" for 张三) and full pinyin, lower-case ASCII, for search.
    name_initials = models.CharField(max_length=30, editable=False)
    name_pinyin = models.CharField(max_length=120, editable=False)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"), db_index=True)
    id_number = EncryptedTextField(_("公民身份号码"), blank=True, default="")
    id_number_index = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Household registration and residence
    hukou_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("户籍地"),
    )
    hukou_rural = models.BooleanField(_("农业户籍"), default=True)
    village = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("现居住村(社区)")
    )
    address = EncryptedTextField(_("现住址"), blank=True, default="")
    # Health
    # The official fields below may be left empty: unknown, and the child is 待补充 (see
    # missing_fields), never a default that would state what nobody said.
    health = models.CharField(
        _("健康状况"), max_length=20, choices=Health.choices, default=Health.HEALTHY, blank=True
    )
    disability_category = models.CharField(_("残疾类别"), max_length=20, blank=True)
    disability_grade = models.CharField(_("残疾等级"), max_length=10, blank=True)
    illness = models.CharField(_("疾病名称"), max_length=60, blank=True)
    # Schooling
    schooling = models.CharField(
        _("就学状况"), max_length=20, choices=Schooling.choices, blank=True
    )
    school = models.ForeignKey(
        "areas.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("学校"),
    )
    grade = models.CharField(_("年级"), max_length=20, blank=True)
    class_name = models.CharField(_("班级"), max_length=20, blank=True)
    boarding = models.BooleanField(_("寄宿"), default=False)
    # Family and guardianship
    father = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children_as_father",
        verbose_name=_("父亲"),
    )
    mother = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children_as_mother",
        verbose_name=_("母亲"),
    )
    guardian = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children_as_guardian",
        verbose_name=_("委托监护人"),
    )
    guardian_relationship = models.CharField(
        _("与儿童关系"), max_length=30, choices=Relationship.choices, blank=True
    )
    entrustment_confirmed_on = models.DateField(_("委托监护确认书日期"), null=True, blank=True)
    guardianship_type = models.CharField(
        _("监护类型"), max_length=20, choices=GuardianshipType.choices, blank=True
    )
    assessment = models.CharField(
        _("监护情况评估"), max_length=30, choices=Assessment.choices, blank=True
    )
    income_sources = ChoiceSetField(
        _("家庭收入来源"), max_length=200, choices=IncomeSource.choices, blank=True, default=""
    )
    assistance = ChoiceSetField(
        _("享受救助情况"), max_length=200, choices=Assistance.choices, blank=True, default=""
    )
    # Care
    responsible_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任教师"),
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("儿童主任"),
    )
    risk_level = models.CharField(
        _("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    concerns = ChoiceSetField(
        _("关注类别"), max_length=200, choices=Concern.choices, blank=True, default=""
    )
    # Derived from the parents (see derived.child_derive): never typed in.
    parents_away_2016 = models.BooleanField(default=False, editable=False)
    parent_away = models.BooleanField(default=False, editable=False)
    # The official fields the file still lacks (待补充), set by derived.child_derive through
    # children.completeness: empty when the file is complete.
    missing_fields = ChoiceSetField(
        _("待补充项目"),
        max_length=200,
        choices=MissingField.choices,
        blank=True,
        default="",
        editable=False,
    )
    # Status and review
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    exit_reason = models.CharField(
        _("移出原因"), max_length=20, choices=ExitReason.choices, blank=True
    )
    exit_note = models.CharField(_("移出说明"), max_length=200, blank=True)
    exited_on = models.DateField(_("移出日期"), null=True, blank=True)
    # When the exit was entered, whatever date was typed for it: retention waits from here
    # (guanai.retention), so a backdated exit leaves time to be noticed and undone.
    exit_recorded_at = models.DateTimeField(
        _("移出登记时间"), null=True, blank=True, editable=False
    )
    review_state = models.CharField(
        _("审核状态"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    review_comment = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Set when the retention period ran out (guanai.retention): the row stays for
    # statistics, without anything that names the child, and is out of every list.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)

    grandparents: "models.ManyToManyField[Person, Grandparent]" = models.ManyToManyField(
        Person, through="Grandparent", related_name="grandchildren", blank=True
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("儿童")
        verbose_name_plural = _("儿童")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="child_unique_id_number",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "name"], name="child_village_name"),
            models.Index(fields=["school", "name"], name="child_school_name"),
            models.Index(fields=["name", "id"], name="child_name_id"),
            models.Index(fields=["review_state", "village"], name="child_review_village"),
            models.Index(fields=["id_number_index"], name="child_id_index"),
            # The children still 待补充, few beside the rest: the list's filter, the home
            # page's count and the completion flow read this small index alone.
            models.Index(
                fields=["village", "name", "id"],
                condition=~models.Q(missing_fields=""),
                name="child_incomplete",
            ),
            # The search indexes: a search's key leads, and every column the list filters
            # or sorts by follows, so a search over a province is answered from the index
            # alone, never from the rows (see selectors.child_search).
            models.Index(fields=["name_initials", *_LIST_COLUMNS], name="child_search_initials"),
            models.Index(fields=["name_pinyin", *_LIST_COLUMNS], name="child_search_pinyin"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def incomplete(self) -> bool:
        """待补充: some official field of the file is still unknown."""
        return bool(self.missing_fields)

    @property
    def parents_work_unknown(self) -> bool:
        """Whether the parents are away for work is not known yet: the child is in neither
        left-behind count, and must not be shown as not left behind either."""
        return MissingField.PARENTS_WORK in (self.missing_fields or [])

    @property
    def missing_labels(self) -> list[str]:
        """The missing fields' names, in the form's order (the stored set is sorted by code)."""
        missing = set(self.missing_fields or [])
        return [str(label) for code, label in MissingField.choices if code in missing]

    @property
    def concern_labels(self) -> list[str]:
        return [str(Concern(c).label) for c in self.concerns if c in Concern.values]

    @property
    def income_labels(self) -> str:
        return "、".join(str(IncomeSource(c).label) for c in self.income_sources)

    @property
    def assistance_labels(self) -> str:
        return "、".join(str(Assistance(c).label) for c in self.assistance)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class Grandparent(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="grandparent_links")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(
        _("关系"),
        max_length=30,
        choices=[(r.value, r.label) for r in GRANDPARENT_RELATIONSHIPS],
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "relationship"], name="grandparent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} {self.person_id}"


class ChildChange(models.Model):
    """One entry of a child's change history (变动情况): who changed which fields, old → new.

    `changes` is a list of {"field", "label", "old", "new", "secret"}; for secret fields
    (ID numbers, phones, addresses) old and new are stored encrypted and shown masked.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        UPDATED = "updated", _("修改")
        EXITED = "exited", _("移出")
        RESTORED = "restored", _("恢复")
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回")
        ANONYMISED = "anonymised", _("匿名化")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Which record the change touched (a Subject: the child, a family slot, a grandparent).
    subject = models.CharField(max_length=20, default="child")
    changes = models.JSONField(default=list)
    comment = models.CharField(max_length=300, blank=True)
    # The roster import that wrote it, if one did: a batch can be undone within its history.
    batch = models.ForeignKey(
        "roster.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["child", "-at"], name="childchange_child_at")]

    def __str__(self) -> str:
        return f"{self.child_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def subject_label(self) -> str:
        return str(dict(Subject.choices).get(self.subject, self.subject))

    @property
    def entries(self) -> list[dict[str, object]]:
        """The changes with a readable label for each field."""
        model: type[models.Model] = Child if self.subject == "child" else Person
        rows = []
        for change in self.changes:
            field = change.get("field", "")
            try:
                label = str(getattr(model._meta.get_field(field), "verbose_name", field))
            except FieldDoesNotExist:
                label = str(dict(Relationship.choices).get(field, field))
            rows.append({**change, "label": label})
        return rows


# --- guardian consent (监护人同意) and the photo it allows -------------------------------


class ChildConsent(models.Model):
    """A guardian's consent to one use of a child's data, as given and, later, withdrawn.

    Rows are not overwritten: a withdrawal fills in the withdrawal fields, and consent given
    again is a new row, so the file shows who agreed to what, when and how. They are deleted
    only with the child's file, when it is anonymised (children.anonymise).
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("同意事项"), max_length=20, choices=ConsentPurpose.choices)
    given_by = models.CharField(_("同意人"), max_length=60)
    relationship = models.CharField(_("与儿童关系"), max_length=30, choices=Relationship.choices)
    given_on = models.DateField(_("同意日期"))
    method = models.CharField(_("同意方式"), max_length=20, choices=ConsentMethod.choices)
    witness = models.CharField(_("见证人"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    # Who recorded the withdrawal; who withdrew, and how, is said in the note.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回记录人"),
    )
    withdrawn_at = models.DateTimeField(_("撤回记录时间"), null=True, blank=True)
    withdrawal_note = models.CharField(_("撤回说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("监护人同意")
        verbose_name_plural = _("监护人同意")
        constraints = [
            # One consent in force per child and purpose; the withdrawn ones stay beside it.
            models.UniqueConstraint(
                fields=["child", "purpose"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="childconsent_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="childconsent_withdrawn_after_given",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    withdrawn_on__isnull=True, withdrawn_by__isnull=True, withdrawn_at__isnull=True
                )
                | models.Q(
                    withdrawn_on__isnull=False,
                    withdrawn_by__isnull=False,
                    withdrawn_at__isnull=False,
                ),
                name="childconsent_withdrawal_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} {self.purpose} {self.given_on:%Y-%m-%d}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class ChildPhoto(models.Model):
    """A child's one current photo: re-encoded without metadata, sealed (encrypted) at rest,
    and deleted when the photo consent it was uploaded under is withdrawn."""

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="photo")
    # The consent it was uploaded under: no photo outlives the row that allowed it.
    consent = models.ForeignKey(ChildConsent, on_delete=models.CASCADE, related_name="+")
    # A JPEG, through guanai.core.crypto.seal.
    sealed = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("儿童照片")
        verbose_name_plural = _("儿童照片")

    def __str__(self) -> str:
        return f"{self.child_id} {self.uploaded_at:%Y-%m-%d %H:%M}"
