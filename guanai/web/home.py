"""The home page (工作台) is made of panels that apps register (in their `shell.py`): each
renders its own template with its own context, so the shell knows no domain's figures."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from guanai.accounts.models import User


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    # Place on the page, lowest first.
    order: int
    # The template's context for this user; None leaves the panel out for them.
    context: Callable[[User], dict[str, Any] | None]
    # Static paths of stylesheets the panel's template needs in the page's head.
    stylesheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    html: SafeString
    stylesheets: tuple[str, ...]


# By name: registering a panel again replaces it rather than showing it twice.
_PANELS: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> None:
    _PANELS[panel.name] = panel


def panels_for(request: HttpRequest, user: User) -> list[RenderedPanel]:
    """The panels that have something for the user, rendered in order (with the request, so
    their forms get the CSRF token)."""
    rendered = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(user)
        if context is None:
            continue
        html = render_to_string(panel.template, context, request=request)
        rendered.append(RenderedPanel(panel.name, html, panel.stylesheets))
    return rendered
