from collections.abc import Iterable
from typing import Any

from django import forms

from guanai.core.errors import ApplicationError


class StyledFormMixin:
    """Give every widget its Bootstrap class, so templates render fields plainly."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self.fields.values())


def show_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """A service's refusal on the form that asked for it: beside the field it names, if the
    form has that field, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def style_widgets(fields: Iterable[forms.Field]) -> None:
    """The Bootstrap class of each field's widget (for fields a form adds as it is built)."""
    for field in fields:
        widget = field.widget
        # Ticks and radio buttons first: CheckboxSelectMultiple is a RadioSelect, not a
        # Select, and given form-control its boxes drew as empty pills, ticked or not.
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def enable_inline_validation(form: forms.BaseForm, url: str) -> None:
    """Check each field as soon as it is left: htmx posts the form to `url` and swaps in
    that field's messages (`id="e-<name>"`, see children/partials/field.html).

    Only the messages are swapped, never the input, so an answer the user has already
    changed again is not overwritten by the reply to the earlier one.
    """
    for bound in form:
        errors = f"#e-{bound.html_name}"
        bound.field.widget.attrs.update(
            {
                "hx-post": url,
                "hx-trigger": "change",
                "hx-target": errors,
                "hx-select": errors,
                "hx-swap": "outerHTML",
            }
        )
