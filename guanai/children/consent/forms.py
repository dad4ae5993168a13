from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanai.children.choices import ConsentMethod, ConsentPurpose, Relationship
from guanai.children.consent.images import MAX_BYTES
from guanai.children.forms import DATE_INPUT
from guanai.core.forms import StyledFormMixin


class ConsentForm(StyledFormMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("同意事项"), choices=[("", "—"), *ConsentPurpose.choices])
    given_by = forms.CharField(label=_("同意人（监护人姓名）"), max_length=60)
    relationship = forms.ChoiceField(
        label=_("与儿童关系"), choices=[("", "—"), *Relationship.choices]
    )
    given_on = forms.DateField(label=_("同意日期"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("同意方式"), choices=[("", "—"), *ConsentMethod.choices])
    witness = forms.CharField(
        label=_("见证人"), max_length=60, required=False, help_text=_("口头同意时必填。")
    )
    note = forms.CharField(
        label=_("备注"),
        max_length=200,
        required=False,
        help_text=_("如：签字的同意书存放在村委会档案柜。"),
    )


class WithdrawForm(StyledFormMixin, forms.Form):
    withdrawn_on = forms.DateField(label=_("撤回日期"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("撤回说明"),
        max_length=200,
        help_text=_("由谁、以何种方式撤回，如：祖母电话告知撤回。"),
    )


class PhotoForm(StyledFormMixin, forms.Form):
    # A plain file field: what the file is, Pillow decides (images.clean_photo), never its
    # name or the content type the browser declares.
    photo = forms.FileField(
        label=_("照片"),
        help_text=format_lazy(
            _("JPEG、PNG 或 WebP，不超过 {limit} MB。拍摄地点等信息会被去除。"),
            limit=MAX_BYTES // 1024 // 1024,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
