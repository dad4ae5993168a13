"""Views of the care work (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def my_tasks(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def record_new(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def record_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def record_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def record_delete_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def follow_up_done_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def overview(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def due_list_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def plan_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def assignment_end_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


def teacher_assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404
