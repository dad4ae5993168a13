from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from guanai.accounts.models import Membership, User
from guanai.areas.models import Area, School
from guanai.areas.selectors import schools_visible_to
from guanai.children.choices import (
    AT_SCHOOL,
    GRANDPARENT_RELATIONSHIPS,
    PARENT_SLOTS,
    Assistance,
    Concern,
    ExitReason,
    FamilySlot,
    GuardianshipType,
    Health,
    IncomeSource,
    MissingField,
    ReviewState,
    RiskLevel,
    Status,
)
from guanai.children.completeness import identity_faults
from guanai.children.family import GrandparentInput
from guanai.children.fields import CHILD_FIELDS
from guanai.children.idnumber import IdNumber, parse_id_number
from guanai.children.models import Child, Person
from guanai.children.reveal import REVEALABLE
from guanai.children.rules import FAMILY_SLOTS, Violation, child_violations
from guanai.children.selectors import (
    AGE_BANDS,
    ChildFilter,
    looks_like_id_number,
    villages_editable_by,
)
from guanai.core.crypto import mask_address, mask_id_number, mask_phone
from guanai.core.forms import StyledFormMixin, style_widgets

ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]

TEACHING_ROLES = ("teacher", "counsellor")

# Above this many villages, the village is typed as a code (with suggestions) instead
# of chosen from a list.
VILLAGE_SELECT_LIMIT = 2000

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def hide_secrets(form: forms.BaseForm, masked: dict[str, str]) -> None:
    """Never put a stored ID number, phone or address in the page: the input starts empty
    and its placeholder shows the masked value; left blank, the value is kept."""
    for name, value in masked.items():
        if not value:
            continue
        form.initial[name] = ""
        form.fields[name].widget.attrs["placeholder"] = str(
            _("%(masked)s（不修改请留空）") % {"masked": value}
        )


def _id_number_clean(raw: str) -> IdNumber | None:
    if not raw.strip():
        return None
    return parse_id_number(raw, today=timezone.localdate())


class PersonForm(StyledFormMixin, forms.ModelForm[Person]):
    """A parent or the entrusted guardian, inside the child's form (with a prefix)."""

    class Meta:
        model = Person
        fields = (
            "name",
            "id_number",
            "phone",
            "away_for_work",
            "work_province",
            "work_city",
            "able_to_guard",
            "incapacity",
            "address",
        )
        widgets = {
            "id_number": forms.TextInput(),
            "phone": forms.TextInput(),
            "address": forms.TextInput(),
        }

    def __init__(self, *args: Any, work_unknown: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.work_unknown = work_unknown
        if work_unknown:
            # The child's file does not say yet whether this parent works away (待补充), and
            # an unticked box would say "no": ask, and leave it unknown if unanswered.
            self.fields["away_for_work"] = forms.ChoiceField(
                label=self.fields["away_for_work"].label,
                choices=[("", _("待补充")), ("on", _("外出务工")), ("off", _("未外出务工"))],
                required=False,
            )
            style_widgets([self.fields["away_for_work"]])
            # Only "away" is ever stated while the work is unknown; "not away" is a default.
            self.initial["away_for_work"] = "on" if self.instance.away_for_work else ""
        self.fields["id_number"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "maxlength": 24}
        )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "maxlength": 20})
        away = f"{self.add_prefix('away_for_work')}=on"
        for name in ("work_province", "work_city"):
            self.fields[name].widget.attrs["data-show-when"] = away
        self.fields["incapacity"].widget.attrs["data-show-when"] = (
            f"{self.add_prefix('able_to_guard')}=off"
        )
        if self.instance.pk:
            hide_secrets(
                self,
                {
                    "id_number": mask_id_number(self.instance.id_number),
                    "phone": mask_phone(self.instance.phone),
                    "address": mask_address(self.instance.address),
                },
            )

    def clean_id_number(self) -> str:
        parsed = _id_number_clean(self.cleaned_data.get("id_number") or "")
        return parsed.number if parsed else ""

    def clean_phone(self) -> str:
        phone = "".join(c for c in self.cleaned_data.get("phone") or "" if c.isdigit() or c == "-")
        if phone and not (7 <= len(phone.replace("-", "")) <= 12):
            raise forms.ValidationError(_("请填写正确的电话号码（手机11位，或带区号的座机）。"))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.work_unknown:
            answer = data.pop("away_for_work", "")
            if answer:
                data["away_for_work"] = answer == "on"
        has_details = any(
            data.get(f) for f in ("id_number", "phone", "away_for_work", "work_city", "address")
        )
        if has_details and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写姓名。"))
        if data.get("able_to_guard") is False and not data.get("incapacity") and data.get("name"):
            self.add_error("incapacity", _("请选择无监护能力的原因。"))
        return data

    def values(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        return data if (data.get("name") or "").strip() else None


class GrandparentForm(StyledFormMixin, forms.Form):
    relationship = forms.ChoiceField(
        label=_("关系"),
        required=False,
        choices=[("", "—"), *((r.value, r.label) for r in GRANDPARENT_RELATIONSHIPS)],
    )
    name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE_INPUT)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    able_to_guard = forms.BooleanField(label=_("有监护能力"), required=False, initial=True)
    health_note = forms.CharField(label=_("健康状况"), max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("name") or "").strip() and not data.get("relationship"):
            self.add_error("relationship", _("请选择与儿童的关系。"))
        return data

    def values(self) -> GrandparentInput | None:
        data = self.cleaned_data
        if not (data.get("name") or "").strip():
            return None
        person = {
            k: data[k] for k in ("name", "birth_date", "phone", "able_to_guard", "health_note")
        }
        return GrandparentInput(relationship=data["relationship"], person=person)


# Questions that matter only for some answers: shown by app.js when the answer fits.
SHOW_WHEN = {
    "disability_category": "health=disabled",
    "disability_grade": "health=disabled",
    "illness": "health=seriously_ill",
    "school": f"schooling={'|'.join(sorted(AT_SCHOOL))}",
    "grade": f"schooling={'|'.join(sorted(AT_SCHOOL))}",
    "class_name": f"schooling={'|'.join(sorted(AT_SCHOOL))}",
    "boarding": f"schooling={'|'.join(sorted(AT_SCHOOL))}",
}


def answers_clean(form: forms.BaseForm, data: dict[str, Any]) -> None:
    """Answers to questions hidden for this case are not kept, in the child's form and the
    completion form alike: a child not at school has no school, a healthy one no illness.
    What an answer asks for (a pupil's school, a disabled child's category) is a rule of
    children.rules."""
    if "schooling" in form.fields:
        schooling = data.get("schooling")
        if schooling and schooling not in AT_SCHOOL:
            data["school"] = None
            data["grade"] = data["class_name"] = ""
            data["boarding"] = False
    if "health" in form.fields:
        if data.get("health") != Health.DISABLED:
            data["disability_category"] = data["disability_grade"] = ""
        if data.get("health") != Health.SERIOUSLY_ILL:
            data["illness"] = ""


def show_violations(form: forms.BaseForm, violations: list[Violation]) -> None:
    """Each broken rule (children.rules) on its field, or above the form when the form
    does not ask that field; a field with an error already keeps that one."""
    for violation in violations:
        field = violation.field if violation.field in form.fields else None
        if field is None or field not in form.errors:
            form.add_error(field, violation.message)


class ChildForm(StyledFormMixin, forms.ModelForm[Child]):
    village = forms.ChoiceField(label=_("现居住村(社区)"))
    ethnicity = forms.ChoiceField(label=_("民族"), choices=[(e, e) for e in ETHNICITIES])
    income_sources = forms.MultipleChoiceField(
        label=_("家庭收入来源"),
        choices=IncomeSource.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assistance = forms.MultipleChoiceField(
        label=_("享受救助情况"),
        choices=Assistance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concerns = forms.MultipleChoiceField(
        label=_("关注类别"),
        choices=Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Child
        # The household registration is not asked: it is the village (values()).
        fields = tuple(field for field in CHILD_FIELDS if field != "hukou_area")
        widgets = {
            "id_number": forms.TextInput(),
            "address": forms.TextInput(),
            "birth_date": DATE_INPUT,
            "entrustment_confirmed_on": DATE_INPUT,
        }
        help_texts = {
            "id_number": _("填写后自动核对出生日期和性别；出生日期、性别可留空，由号码带出。"),
        }

    parsed_id: IdNumber | None = None

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["gender"].required = False
        self.fields["birth_date"].required = False
        self.fields["id_number"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "maxlength": 24}
        )
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self._setup_village()
        for name, rule in SHOW_WHEN.items():
            self.fields[name].widget.attrs["data-show-when"] = rule
        school_field: forms.ModelChoiceField[School] = self.fields["school"]  # type: ignore[assignment]
        school_field.queryset = schools_visible_to(user).order_by("area_id", "name")
        teacher_field: forms.ModelChoiceField[User] = self.fields["responsible_teacher"]  # type: ignore[assignment]
        teacher_field.queryset = self._staff(
            Membership.objects.filter(
                role__code__in=TEACHING_ROLES,
                school__in=schools_visible_to(user).values("pk"),
            )
        )
        teacher_field.help_text = _("须是该儿童所在学校的责任教师或心理辅导教师。")
        director_field: forms.ModelChoiceField[User] = self.fields["director"]  # type: ignore[assignment]
        director_field.queryset = self._staff(
            Membership.objects.filter(
                role__code="village_director",
                area__in=villages_editable_by(self.user).values("code"),
            )
        )
        if not self.instance.pk:
            # Unknown until someone says: left so, the file is 待补充 (children.completeness).
            self.initial["health"] = ""
        if self.instance.pk:
            self.initial["village"] = self.instance.village_id
            hide_secrets(
                self,
                {
                    "id_number": mask_id_number(self.instance.id_number),
                    "address": mask_address(self.instance.address),
                },
            )

    def _setup_village(self) -> None:
        villages = villages_editable_by(self.user)
        field = self.fields["village"]
        count = villages.count()
        if count <= VILLAGE_SELECT_LIMIT:
            choices: list[tuple[str, Any]] = [("", "—")] if count > 1 else []
            groups: dict[str, list[tuple[str, str]]] = {}
            for village in villages.select_related("parent").order_by("code"):
                township = village.parent.name if village.parent else ""
                groups.setdefault(township, []).append((village.code, village.name))
            choices += list(groups.items())
            field.choices = choices  # type: ignore[attr-defined]
            field.widget = forms.Select(choices=choices, attrs={"class": "form-select"})
        else:
            self.fields["village"] = forms.CharField(
                label=field.label,
                max_length=12,
                help_text=_("输入村(社区)的12位区划代码。"),
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    @staticmethod
    def _staff(memberships: Any) -> Any:
        """Active users holding one of these memberships (one join, so both conditions
        hold for the same membership)."""
        return User.objects.filter(
            is_active=True, memberships_incl_revoked__in=memberships
        ).distinct()

    def clean_village(self) -> Area:
        code = (self.cleaned_data.get("village") or "").strip()
        village = villages_editable_by(self.user).filter(code=code).first()
        if village is None:
            raise forms.ValidationError(_("请选择您管辖范围内的村(社区)。"))
        return village

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number") or ""
        if not raw.strip() and self.instance.id_number:
            # Left blank: the stored number stays, and still checks the birth date.
            try:
                self.parsed_id = parse_id_number(self.instance.id_number)
            except forms.ValidationError:
                self.parsed_id = None
            return ""
        parsed = _id_number_clean(raw)
        self.parsed_id = parsed
        # Whether the number is registered already is told by the service on saving,
        # never while typing (it would tell of records elsewhere).
        return parsed.number if parsed else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parsed = self.parsed_id
        if parsed is not None:
            # What was typed stays, to be checked against the number (children.rules).
            data["birth_date"] = data.get("birth_date") or parsed.birth_date
            data["gender"] = data.get("gender") or parsed.gender
        # Only what identifies the child is required (children.completeness); the official
        # fields left empty make the file 待补充 and can be completed later.
        for field, message in identity_faults(data):
            if field not in self.errors:
                self.add_error(field, message)
        answers_clean(self, data)
        # The rules of the child alone; those with the family once both forms are valid
        # (check_guardianship).
        show_violations(self, child_violations(values=self.rule_values()))
        teacher, school = data.get("responsible_teacher"), data.get("school")
        if (
            teacher
            and not Membership.objects.filter(
                user=teacher, role__code__in=TEACHING_ROLES, school=school
            ).exists()
        ):
            self.add_error("responsible_teacher", _("责任教师须是该儿童所在学校的老师。"))
        return data

    def rule_values(self) -> dict[str, Any]:
        """The child's values as the rules read them: the ID number kept when left blank
        is the stored one."""
        number = self.parsed_id.number if self.parsed_id else ""
        return {**self.cleaned_data, "id_number": number}

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("hukou_area", data.get("village"))
        return data


class FamilyForms:
    """The father, mother, guardian and grandparent forms that go with a child's form."""

    def __init__(self, data: Any = None, *, child: Child | None = None) -> None:
        self.child = child
        # While the parents' work is 待补充, the form asks it rather than reading an unticked
        # box as "not away" (children.completeness: unknown is not "no").
        self.work_unknown = bool(child and child.parents_work_unknown)
        self.persons = {
            slot: PersonForm(
                data,
                prefix=slot,
                instance=getattr(child, slot) if child else None,
                work_unknown=self.work_unknown and slot in PARENT_SLOTS,
            )
            for slot in FamilySlot.values
        }
        links = list(child.grandparent_links.all()) if child and child.pk else []
        slots = max(2, len(links) + (1 if len(links) < 4 else 0))
        initial = [
            {
                "relationship": link.relationship,
                "name": link.person.name,
                "birth_date": link.person.birth_date,
                "phone": "",
                "able_to_guard": link.person.able_to_guard,
                "health_note": link.person.health_note,
            }
            for link in links
        ]
        self.grandparents = [
            GrandparentForm(data, prefix=f"gp{i}", initial=initial[i] if i < len(initial) else None)
            for i in range(slots)
        ]
        for form, link in zip(self.grandparents, links, strict=False):
            hide_secrets(form, {"phone": mask_phone(link.person.phone)})

    def sections(self) -> list[tuple[str, str, PersonForm]]:
        return [(slot, str(label), self.persons[slot]) for slot, label in FamilySlot.choices]

    def is_valid(self) -> bool:
        valid = all([f.is_valid() for f in self.persons.values()])
        valid = all([f.is_valid() for f in self.grandparents]) and valid
        if valid:
            chosen = [f.cleaned_data["relationship"] for f in self.grandparents if f.values()]
            if len(chosen) != len(set(chosen)):
                self.grandparents[-1].add_error("relationship", _("同一关系只能填写一位。"))
                return False
        return valid

    def family(self) -> dict[str, dict[str, Any] | None]:
        family = {}
        for slot, form in self.persons.items():
            value = form.values()
            if (
                value is None
                and self.work_unknown
                and slot in PARENT_SLOTS
                and getattr(self.child, slot) is None
            ):
                # A parent the file never had, left blank: nothing said of them (the
                # completion form records one as absent).
                continue
            family[slot] = value
        return family

    def grandparent_values(self) -> list[GrandparentInput]:
        return [v for f in self.grandparents if (v := f.values()) is not None]


def check_guardianship(child_form: ChildForm, family: FamilyForms) -> None:
    """The rules between the child and their family (children.rules: who guards the child
    must fit the guardianship type and the parents' presence), once both forms are valid."""
    violations = child_violations(values=child_form.rule_values(), family=family.family())
    show_violations(child_form, [v for v in violations if set(v.inputs) & set(FAMILY_SLOTS)])


class ChildCompleteForm(StyledFormMixin, forms.Form):
    """补充资料: only the official fields a 待补充 child's file lacks (children.completeness),
    short enough for a phone. A question left blank stays 待补充; the answers are saved
    through services.child_update like any other change, with its history and review.

    The parents' work is asked per parent: away or not, and where; a parent with no
    record yet is named here, or said to be absent (已故或下落不明: the 2016 definition
    counts them as unable to guard)."""

    def __init__(self, *args: Any, child: Child, user: User, **kwargs: Any) -> None:
        self.child = child
        super().__init__(*args, **kwargs)
        # The fields depend on what this child's file lacks.
        self.fields.update(self._fields_for(child, user))
        style_widgets(self.fields.values())
        for name, rule in SHOW_WHEN.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-show-when"] = rule
        for slot in PARENT_SLOTS:
            for name in (f"{slot}_work_province", f"{slot}_work_city"):
                if name in self.fields:
                    self.fields[name].widget.attrs["data-show-when"] = f"{slot}_away=yes"
                    self.initial[name] = getattr(getattr(child, slot), name[len(slot) + 1 :], "")
        self.initial.update(school=child.school_id, grade=child.grade, class_name=child.class_name)

    @staticmethod
    def _fields_for(child: Child, user: User) -> dict[str, forms.Field]:
        missing = set(child.missing_fields)
        names: list[str] = []
        if MissingField.HEALTH in missing:
            names += ["health", "disability_category", "disability_grade", "illness"]
        if MissingField.SCHOOLING in missing:
            names += ["schooling", "school", "grade", "class_name"]
        if MissingField.GUARDIANSHIP_TYPE in missing:
            names.append("guardianship_type")
        if MissingField.ASSESSMENT in missing:
            names.append("assessment")
        fields: dict[str, forms.Field] = {}
        for name in names:
            field = Child._meta.get_field(name).formfield(required=False)  # type: ignore[union-attr]
            assert field is not None
            fields[name] = field
        if "school" in fields:
            school_field: forms.ModelChoiceField[School] = fields["school"]  # type: ignore[assignment]
            school_field.queryset = schools_visible_to(user).order_by("area_id", "name")
        if MissingField.PARENTS_WORK in missing:
            for slot in PARENT_SLOTS:
                label = FamilySlot(slot).label
                person: Person | None = getattr(child, slot)
                choices = [("", "—"), ("yes", _("外出务工")), ("no", _("未外出务工"))]
                if person is None:
                    fields[f"{slot}_name"] = forms.CharField(
                        label=_("%(who)s姓名") % {"who": label}, max_length=60, required=False
                    )
                    choices.append(("none", _("无（已故或下落不明）")))
                fields[f"{slot}_away"] = forms.ChoiceField(
                    label=_("%(who)s是否外出务工") % {"who": label}, choices=choices, required=False
                )
                fields[f"{slot}_work_province"] = forms.CharField(
                    label=_("务工省份"), max_length=20, required=False
                )
                fields[f"{slot}_work_city"] = forms.CharField(
                    label=_("务工城市"), max_length=30, required=False
                )
        return fields

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers_clean(self, data)
        for slot in PARENT_SLOTS:
            label = FamilySlot(slot).label
            if f"{slot}_name" not in self.fields:
                continue
            away, name = data.get(f"{slot}_away"), (data.get(f"{slot}_name") or "").strip()
            if away in ("yes", "no") and not name:
                self.add_error(f"{slot}_name", _("请填写%(who)s的姓名。") % {"who": label})
            if name and not away:
                self.add_error(f"{slot}_away", _("请选择%(who)s是否外出务工。") % {"who": label})
        # The rules as child_update will apply them to these answers over the file.
        values, family = self.values()
        violations = child_violations(values=values, family=family, held=self.child)
        show_violations(self, violations)
        if any(v.code == "guardian_needed" for v in violations):
            # This form does not ask for the guardian: say where to.
            self.add_error("guardianship_type", _("委托监护人请用“修改档案”填写。"))
        return data

    def values(self) -> tuple[dict[str, Any], dict[str, dict[str, Any] | None]]:
        """The child's answers and the parents', as services.child_update takes them; a
        question left blank is left out, so it stays unknown."""
        d = self.cleaned_data
        data: dict[str, Any] = {}
        if d.get("health"):
            for name in ("health", "disability_category", "disability_grade", "illness"):
                data[name] = d.get(name) or ""
        if d.get("schooling"):
            data["schooling"] = d["schooling"]
            data["school"] = d.get("school")
            data["grade"], data["class_name"] = d.get("grade") or "", d.get("class_name") or ""
            if "boarding" in d:
                data["boarding"] = d["boarding"]
        for name in ("guardianship_type", "assessment"):
            if d.get(name):
                data[name] = d[name]
        family: dict[str, dict[str, Any] | None] = {}
        for slot in PARENT_SLOTS:
            away = d.get(f"{slot}_away")
            if not away:
                continue
            if away == "none":
                family[slot] = None
                continue
            person: Person | None = getattr(self.child, slot)
            family[slot] = {
                "name": person.name if person else (d.get(f"{slot}_name") or "").strip(),
                "away_for_work": away == "yes",
                "work_province": d.get(f"{slot}_work_province") or "",
                "work_city": d.get(f"{slot}_work_city") or "",
            }
        return data, family


def _filter_choice(
    all_label: StrOrPromise, choices: Iterable[tuple[str, Any]], **kwargs: Any
) -> forms.ChoiceField:
    """A filter of the list: first `all_label` (no filter), then the choices."""
    return forms.ChoiceField(required=False, choices=[("", all_label), *choices], **kwargs)


class ChildFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=40)
    township = forms.CharField(required=False, max_length=12)
    village = forms.CharField(required=False, max_length=12)
    school = forms.IntegerField(required=False, min_value=1)
    guardianship_type = _filter_choice(_("全部监护类型"), GuardianshipType.choices)
    risk_level = _filter_choice(_("全部风险等级"), RiskLevel.choices)
    concern = _filter_choice(_("全部关注类别"), Concern.choices)
    status = forms.ChoiceField(
        required=False,
        choices=[(Status.ACTIVE, _("在册")), (Status.EXITED, _("已移出")), ("all", _("全部状态"))],
    )
    definition = _filter_choice(
        _("全部儿童"),
        [
            ("2016", _("留守儿童（国发〔2016〕13号）")),
            ("broad", _("留守学生（父母一方外出，未满18周岁）")),
        ],
    )
    age_band = _filter_choice(
        _("全部年龄"), ((b, _("%(band)s岁") % {"band": b}) for b in AGE_BANDS)
    )
    review_state = _filter_choice(_("全部审核状态"), ReviewState.choices)
    completeness = _filter_choice(
        _("全部资料"),
        [("incomplete", _("待补充")), ("complete", _("资料完整"))],
        widget=forms.Select(attrs={"aria-label": _("资料是否完整")}),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("village", _("按村(社区)")),
            ("name", _("按姓名")),
            ("birth_date", _("按出生日期（年长在前）")),
            ("-birth_date", _("按出生日期（年幼在前）")),
            ("-updated_at", _("最近更新")),
        ],
    )

    def to_filter(self) -> tuple[ChildFilter, str]:
        """The filter and the sort the list asked for; the default list if none is valid.

        An ID number is never taken from a URL (see children.views.child_find)."""
        if not self.is_valid():
            return ChildFilter(), "village"
        d = self.cleaned_data
        status = d["status"] or Status.ACTIVE
        query = "" if looks_like_id_number(d["q"]) else d["q"]
        return (
            ChildFilter(
                q=query,
                township=d["township"],
                village=d["village"],
                school=d["school"],
                guardianship_type=d["guardianship_type"],
                risk_level=d["risk_level"],
                concern=d["concern"],
                status="" if status == "all" else status,
                definition=d["definition"],
                age_band=d["age_band"],
                review_state=d["review_state"],
                completeness=d["completeness"],
            ),
            d["sort"] or "village",
        )


class ExitForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("移出原因"), choices=[("", "—"), *ExitReason.choices])
    on = forms.DateField(label=_("移出日期"), widget=DATE_INPUT)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RevealReason(models.TextChoices):
    """Why a secret is looked at: picked, not typed, so the access log can be read and
    counted; 其他 asks for words."""

    HOME_VISIT = "home_visit", _("家访联系")
    VERIFY = "verify", _("核实信息")
    EMERGENCY = "emergency", _("紧急情况")
    OTHER = "other", _("其他")


def reveal_reason_text(code: str, other: str) -> str:
    """The reason as the access log keeps it: in Chinese whatever the page's language (the
    county reads and searches the log), 其他 with the words typed."""
    with translation.override("zh-hans"):
        label = str(RevealReason(code).label)
    return f"{label}：{other}" if code == RevealReason.OTHER else label


class RevealForm(forms.Form):
    """One secret field to reveal, and why. Without a reason the view may still use the
    one remembered for the child's phones (children.views.child_reveal_view)."""

    subject = forms.ChoiceField(choices=[(s, s) for s in REVEALABLE])
    field = forms.ChoiceField(choices=[(f, f) for f in ("id_number", "phone", "address")])
    reason = forms.ChoiceField(choices=RevealReason.choices, required=False)
    reason_other = forms.CharField(max_length=150, required=False, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == RevealReason.OTHER and not data.get("reason_other"):
            self.add_error("reason_other", _("选择“其他”时，请写明查看理由。"))
        return data


class ReviewForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("审核意见"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# 20 a page by default: on a phone that is what a village director scrolls through, and on
# a desktop about one screen of the table; 50 and 100 are a click away.
PAGE_SIZES = (20, 50, 100)


class ReviewFilterForm(forms.Form):
    """The review queue's filters: one village, one school, the page size. The queue is
    scoped whatever is asked; a place out of reach simply has nothing waiting."""

    village = forms.RegexField(regex=r"^\d{12}$", required=False)
    school = forms.IntegerField(required=False, min_value=1)
    per_page = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES], empty_value=None
    )

    def place(self) -> tuple[str, int | None]:
        """The village and school asked for; one that cannot be read is left out, and a
        page size typed by hand never drops them."""
        self.is_valid()
        return self.cleaned_data.get("village") or "", self.cleaned_data.get("school")

    def query(self) -> str:
        """The filters as a query string, to go back to the same page of the queue."""
        if not self.is_valid():
            return ""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v})
