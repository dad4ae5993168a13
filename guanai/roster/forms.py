from django import forms
from django.utils.translation import gettext_lazy as _

from guanai.core.forms import StyledFormMixin


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_("Excel（.xlsx、.xls）或 CSV 文件，不超过 50 MB。先检查，确认后才导入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.ods"}),
    )
