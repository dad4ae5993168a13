from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanai.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PlaceFields,
    UserCreateForm,
    UserFilterForm,
)
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import (
    login_events_of,
    memberships_managed_by,
    user_get_for_manager,
    users_managed_by,
)
from guanai.accounts.services import (
    membership_grant,
    membership_revoke,
    password_change,
    user_create,
)
from guanai.core.errors import ApplicationError
from guanai.core.types import AuthedRequest

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        if self.request.user.must_change_password:  # type: ignore[union-attr]
            messages.warning(self.request, _("这是初始密码，请先修改密码。"))
            return reverse("accounts:my_password")
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    pass


def _show_error(form: PlaceFields | PasswordChangeForm, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_GET
def my_account(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {
            "memberships": scope_for(request.user).memberships,
            "login_events": login_events_of(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def my_password(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as error:
            _show_error(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:my_account")
    return render(request, "accounts/my_password.html", {"form": form})


@require_GET
def user_list(request: AuthedRequest) -> HttpResponse:
    if not scope_for(request.user).manages_users:
        raise Http404
    form = UserFilterForm(request.GET)
    users = users_managed_by(request.user)
    if form.is_valid() and (query := form.cleaned_data["q"].strip()):
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    users = users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=memberships_managed_by(request.user),
            to_attr="visible_memberships",
        )
    ).order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
def user_new(request: AuthedRequest) -> HttpResponse:
    if not scope_for(request.user).manages_users:
        raise Http404
    form = UserCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(created_by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("已创建用户“%(name)s”。") % {"name": user.username})
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def user_detail(request: AuthedRequest, user_id: int) -> HttpResponse:
    user = user_get_for_manager(manager=request.user, user_id=user_id)
    form = PlaceFields(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            membership_grant(granted_by=request.user, user_id=user.pk, **form.cleaned_data)
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("已分配角色。"))
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "memberships": memberships_managed_by(request.user).filter(user=user),
            "form": form,
        },
    )


@require_POST
def membership_delete(request: AuthedRequest, user_id: int, membership_id: int) -> HttpResponse:
    user = user_get_for_manager(manager=request.user, user_id=user_id)
    try:
        membership_revoke(revoked_by=request.user, user_id=user.pk, membership_id=membership_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤销角色。"))
    return redirect("accounts:user_detail", user_id=user.pk)
