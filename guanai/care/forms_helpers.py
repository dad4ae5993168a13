"""Forms of the helper register and pairing (结对帮扶). They parse what was typed; the rules
(where a helper may be registered, which login may be linked, the background check a
pairing needs) are the services' (guanai.care.services), shown by care.forms.show_refusal."""

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import User
from guanai.areas.models import Area, AreaLevel
from guanai.care.choices import CheckResult, EndReason, HelperKind
from guanai.care.models import Helper
from guanai.care.selectors import helper_areas_q, helper_logins_for
from guanai.children.forms import DATE_INPUT, hide_secrets
from guanai.core.crypto import mask_phone
from guanai.core.forms import StyledFormMixin

HELPER_LEVELS = (AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE)
# Beyond this many places (a system admin's, a city's) the area is typed as its code
# rather than picked from a list no one could scroll.
AREA_CHOICES_LIMIT = 1000
AREA_REFUSED = _("请选择您负责的县、乡镇或村（社区）。")
LOGIN_REFUSED = _("登录账号须是本地区的志愿者账号，且未关联其他帮扶人。")


def helper_areas(user: User) -> Any:
    """The counties, townships and villages where the user may register helpers."""
    areas = Area.objects.filter(level__in=HELPER_LEVELS)
    where = helper_areas_q(user, "code")
    return (areas if where is None else areas.filter(where)).order_by("code")


def _area_label(area: Area) -> str:
    if area.level == AreaLevel.VILLAGE and area.parent is not None:
        return f"{area.parent.name} {area.short_name}"
    return area.name


class LoginChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name or obj.username}（{obj.username}）"


class HelperForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=[("", "—"), *HelperKind.choices])
    name = forms.CharField(label=_("姓名或名称"), max_length=60)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    organisation = forms.CharField(
        label=_("所在单位"),
        max_length=100,
        required=False,
        help_text=_("如：团县委、县妇联、某某小学、某某公司。"),
    )
    area = forms.ChoiceField(label=_("所属地区"))
    user = LoginChoiceField(
        label=_("登录账号"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("（无）"),
        help_text=_("关联后，该志愿者登录可以查看与其结对的儿童。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    active = forms.BooleanField(label=_("在册"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, helper: Helper | None = None, **kwargs: Any):
        if helper is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": helper.kind,
                    "name": helper.name,
                    "organisation": helper.organisation,
                    "area": helper.area_id,
                    "user": helper.user_id,
                    "note": helper.note,
                    "active": helper.active,
                },
            )
        super().__init__(*args, **kwargs)
        self.areas = helper_areas(user)
        many = len(self.areas.values_list("code", flat=True)[: AREA_CHOICES_LIMIT + 1])
        if many > AREA_CHOICES_LIMIT:
            self.fields["area"] = forms.CharField(
                label=_("所属地区（区划代码）"),
                max_length=12,
                help_text=_("12 位统计用区划代码：县、乡镇或村（社区）。"),
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )
        else:
            areas = list(self.areas.select_related("parent"))
            area_field = cast(forms.ChoiceField, self.fields["area"])
            area_field.choices = [("", "—")] + [(a.code, _area_label(a)) for a in areas]
            area_field.error_messages["invalid_choice"] = AREA_REFUSED
            if not self.initial.get("area") and len(areas) == 1:
                self.initial["area"] = areas[0].code
        login_field = cast(LoginChoiceField, self.fields["user"])
        login_field.queryset = helper_logins_for(user, helper)
        login_field.error_messages["invalid_choice"] = LOGIN_REFUSED
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "maxlength": 20})
        if helper is not None:
            hide_secrets(self, {"phone": mask_phone(helper.phone)})

    def clean_phone(self) -> str:
        phone = "".join(c for c in self.cleaned_data.get("phone") or "" if c.isdigit() or c == "-")
        if phone and not (7 <= len(phone.replace("-", "")) <= 12):
            raise forms.ValidationError(_("请填写正确的电话号码（手机11位，或带区号的座机）。"))
        return phone

    def clean_area(self) -> Area:
        area = self.areas.filter(code=(self.cleaned_data.get("area") or "").strip()).first()
        if area is None:
            raise forms.ValidationError(AREA_REFUSED)
        return area


class CheckForm(StyledFormMixin, forms.Form):
    checked_on = forms.DateField(label=_("查询日期"), widget=DATE_INPUT)
    result = forms.ChoiceField(label=_("结果"), choices=[("", "—"), *CheckResult.choices])
    authority = forms.CharField(
        label=_("查询机关"),
        max_length=60,
        required=False,
        help_text=_("如：县公安局。查询性侵害、虐待、拐卖、暴力伤害等违法犯罪记录。"),
    )


def _today() -> date:
    return timezone.localdate()


class PairingForm(StyledFormMixin, forms.Form):
    # Picked among the children a search found (the template draws them as radio buttons).
    child = forms.IntegerField(label=_("儿童"))
    started_on = forms.DateField(label=_("开始日期"), widget=DATE_INPUT, initial=_today)
    call_every_months = forms.IntegerField(
        label=_("每几个月电话联系一次"), min_value=1, max_value=12, initial=1
    )
    meet_every_months = forms.IntegerField(
        label=_("每几个月见面一次"), min_value=1, max_value=12, initial=3
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].error_messages["required"] = _("请先搜索并选择一名儿童。")


class PairingEndForm(StyledFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("结束日期"), widget=DATE_INPUT, initial=_today)
    end_reason = forms.ChoiceField(label=_("结束原因"), choices=[("", "—"), *EndReason.choices])


class HelperFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=60)
    kind = forms.ChoiceField(required=False, choices=[("", _("全部类别")), *HelperKind.choices])
    check = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("全部审查状态")),
            ("due", _("审查到期")),
            ("missing", _("未审查或有不良记录")),
        ],
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("在册")), ("inactive", _("已不在册")), ("all", _("全部"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {"kind": _("类别"), "check": _("背景审查"), "active": _("在册")}
        for name, field in self.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs.update({"class": css, "aria-label": labels.get(name, "")})
