from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanai.core.forms import StyledFormMixin
from guanai.roster.reading import MAX_BYTES


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=format_lazy(
            _("Excel（.xlsx、.xls）或 CSV 文件，不超过 {limit} MB。先检查，确认后才导入。"),
            limit=MAX_BYTES // 1024 // 1024,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.ods"}),
    )
