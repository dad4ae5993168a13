from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from guanai.accounts.models import Role, User
from guanai.accounts.selectors import roles_grantable_by
from guanai.areas.models import Area, School
from guanai.areas.selectors import areas_visible_to, schools_visible_to
from guanai.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续失败5次，账户将被锁定15分钟。"),
        "inactive": _("该账户已停用，请联系县级管理员。"),
    }


class PlaceFields(StyledFormMixin, forms.Form):
    """Role plus the area or school it is bound to, limited to what the manager may grant."""

    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.none())
    area = forms.CharField(
        label=_("地区"),
        required=False,
        max_length=12,
        help_text=_("输入12位区划代码，或从列表中选择；按学校绑定的角色留空。"),
    )
    school = forms.ModelChoiceField(
        label=_("学校"),
        queryset=School.objects.none(),
        required=False,
        help_text=_("学校管理员、责任教师、心理辅导教师须选择学校。"),
    )

    def __init__(self, *args: Any, manager: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manager = manager
        role_field: forms.ModelChoiceField[Role] = self.fields["role"]  # type: ignore[assignment]
        role_field.queryset = roles_grantable_by(manager)
        school_field: forms.ModelChoiceField[School] = self.fields["school"]  # type: ignore[assignment]
        school_field.queryset = schools_visible_to(manager).order_by("area_id", "name")
        self.fields["area"].widget.attrs.update({"list": "area-options", "autocomplete": "off"})

    def area_options(self) -> list[Area]:
        return list(areas_visible_to(self.manager).exclude(level="village")[:300]) + list(
            areas_visible_to(self.manager).filter(level="village")[:1500]
        )

    def clean_area(self) -> Area | None:
        code = self.cleaned_data["area"].strip()
        if not code:
            return None
        area = areas_visible_to(self.manager).filter(code=code).first()
        if area is None:
            raise forms.ValidationError(
                _("找不到区划代码为 %(code)s 的地区，或它不在您的管辖范围内。"),
                params={"code": code},
            )
        return area


class UserCreateForm(PlaceFields):
    username = forms.CharField(label=_("用户名"), max_length=60)
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少8位，含大写字母、小写字母、数字、符号中的至少3类；用户首次登录后须修改。"),
    )

    field_order = ["username", "full_name", "password", "role", "area", "school"]


class PasswordChangeForm(StyledFormMixin, forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致。"))
        return data


class UserFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=60)


class TokenForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label=_("动态码"),
        max_length=20,
        help_text=_("打开手机上的验证器，输入当前显示的6位数字；手机丢失时可输入一个恢复码。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )


class EnrolmentForm(TokenForm):
    """The first code of a new authenticator; replacing one also asks for a current code,
    and a privileged account's first one for the enrolment code its administrator gave."""

    current_token = forms.CharField(
        label=_("当前动态码"),
        max_length=20,
        required=False,
        help_text=_("更换手机时，输入旧手机验证器上的动态码，或一个恢复码。"),
    )
    enrolment_code = forms.CharField(
        label=_("绑定码"),
        max_length=30,
        help_text=_("管理员为您创建账号或重置二次验证时提供的一次性绑定码，如 ABCD-EFGH-JKMN。"),
    )

    def __init__(self, *args: Any, replacing: bool, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not replacing:
            del self.fields["current_token"]
        else:
            self.fields["token"].label = _("新手机上的动态码")
            self.fields["current_token"].widget.attrs.update({"autocomplete": "one-time-code"})
            self.order_fields(["current_token", "token"])
        if not needs_code:
            del self.fields["enrolment_code"]
        else:
            self.fields["enrolment_code"].widget.attrs.update({"autocomplete": "off"})
            self.order_fields(["enrolment_code", "token"])


class PasswordResetForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label=_("新的初始密码"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("用户下次登录时须修改此密码。"),
    )
