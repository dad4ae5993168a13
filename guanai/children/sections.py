"""Sections of a child's file that other apps add (the care records, say): each registers
a FileSection here (in its `shell.py`), and the file shows them without knowing the app.

A section's `context` is given the request and the child the viewer reached through the
scoped selector, and whether the viewer sees the whole file or only what a paired helper
sees; it returns the template's context, or None to leave the section out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from guanai.children.models import Child


@dataclass(frozen=True)
class FileSection:
    name: str
    template: str
    order: int
    context: Callable[[HttpRequest, Child, bool], dict[str, Any] | None]


_SECTIONS: dict[str, FileSection] = {}


def register(section: FileSection) -> None:
    _SECTIONS[section.name] = section


def sections_for(request: HttpRequest, child: Child, *, whole_file: bool) -> list[SafeString]:
    rendered = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        context = section.context(request, child, whole_file)
        if context is not None:
            rendered.append(render_to_string(section.template, context, request=request))
    return rendered
