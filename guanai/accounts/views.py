from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanai.accounts import twofactor
from guanai.accounts.forms import (
    EnrolmentForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PlaceFields,
    TokenForm,
    UserCreateForm,
    UserFilterForm,
)
from guanai.accounts.scope import scope_for
from guanai.accounts.selectors import (
    enrolment_codes_usable,
    login_events_of,
    membership_history_of,
    memberships_in_scope_of,
    memberships_managed_by,
    role_events_in_scope_of,
    user_get_for_manager,
    users_in_scope_of,
    users_managed_by,
)
from guanai.accounts.services import (
    Handover,
    membership_grant,
    membership_revoke,
    password_change,
    password_expired,
    user_create,
    user_lock,
    user_password_reset,
    user_unlock,
)
from guanai.accounts.types import AuthedRequest
from guanai.core.errors import ApplicationError
from guanai.core.forms import show_error
from guanai.core.ratelimit import rate_limit

PAGE_SIZE = 50
# Recovery codes wait here between enrolment and the page that shows them, once.
_NEW_CODES = "guanai_new_recovery_codes"
# The authenticator this session is enrolling (twofactor.enrolment_start).
_PENDING_DEVICE = "guanai_pending_device"
# An enrolment code waits here (on the server) for the administrator's next view of the
# account's page, which shows it once.
_HANDOVER = "guanai_enrolment_code"


def _next_url(request: HttpRequest) -> str:
    """The page asked for before login, if it is one of ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def _to_next_step(request: AuthedRequest) -> HttpResponse:
    """On to the next login step, or to the page asked for when none is left."""
    step = twofactor.login_step_due(request.user)
    target = _next_url(request)
    if step is None:
        return redirect(target or settings.LOGIN_REDIRECT_URL)
    query = f"?{urlencode({'next': target})}" if target else ""
    return redirect(reverse(step) + query)


@method_decorator(rate_limit("login"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        super().form_valid(form)
        return _to_next_step(self.request)  # type: ignore[arg-type]


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
def my_account(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {
            "memberships": scope_for(request.user).memberships,
            "role_history": membership_history_of(request.user),
            "login_events": login_events_of(request.user),
            "two_factor_enabled": twofactor.two_factor_enabled(request.user),
            "two_factor_required": twofactor.two_factor_required(request.user),
            "recovery_codes_left": twofactor.recovery_codes_left(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def my_password(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    user = request.user
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            if twofactor.login_step_due(user) is None and not _next_url(request):
                return redirect("accounts:my_account")
            return _to_next_step(request)
    if user.must_change_password:
        reason = _("这是初始密码，请先修改密码。")
    elif password_expired(user):
        reason = _("您的密码已超过%(n)d天未修改，请修改后继续使用。") % {
            "n": settings.PASSWORD_MAX_AGE.days
        }
    else:
        reason = ""
    return render(
        request,
        "accounts/my_password.html",
        {"form": form, "reason": reason, "next": _next_url(request)},
    )


@rate_limit("otp")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of login for users with an authenticator."""
    if request.user.is_verified():  # type: ignore[attr-defined]
        return _to_next_step(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.second_factor_verify(
                request=request, user=request.user, token=form.cleaned_data["token"]
            )
        except ApplicationError as error:
            form.add_error("token", error.message)
        else:
            left = twofactor.recovery_codes_left(request.user)
            if left < settings.RECOVERY_CODE_COUNT // 2:
                messages.warning(
                    request,
                    _("您只剩%(n)d个恢复码，请在“我的账号”中重新生成。") % {"n": left},
                )
            return _to_next_step(request)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@rate_limit("otp")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthedRequest) -> HttpResponse:
    """Enrolment: scan the QR code with an authenticator app, type its first code."""
    user = request.user
    replacing = twofactor.two_factor_enabled(user)
    if replacing and not user.is_verified():  # type: ignore[attr-defined]
        return _to_next_step(request)
    form = EnrolmentForm(
        request.POST or None,
        replacing=replacing,
        needs_code=twofactor.enrolment_code_required(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.enrolment_confirm(
                request=request,
                user=user,
                device_id=request.session.get(_PENDING_DEVICE),
                token=form.cleaned_data["token"],
                current_token=form.cleaned_data.get("current_token", ""),
                enrolment_code=form.cleaned_data.get("enrolment_code", ""),
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            request.session.pop(_PENDING_DEVICE, None)
            request.session[_NEW_CODES] = codes
            query = f"?{urlencode({'next': _next_url(request)})}" if _next_url(request) else ""
            return redirect(reverse("accounts:recovery_codes") + query)
    enrolment = twofactor.enrolment_start(user=user, device_id=request.session.get(_PENDING_DEVICE))
    request.session[_PENDING_DEVICE] = enrolment.device.pk
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "enrolment": enrolment,
            "required": twofactor.two_factor_required(user),
            "next": _next_url(request),
        },
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request: AuthedRequest) -> HttpResponse:
    """New recovery codes, shown once: after enrolment, or renewed on request (POST)."""
    if request.method == "POST":
        try:
            codes = twofactor.recovery_codes_renew(
                user=request.user, current_token=request.POST.get("current_token", "")
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("accounts:my_account")
    else:
        codes = request.session.pop(_NEW_CODES, None)
        if not codes:
            return redirect("accounts:my_account")
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": _next_url(request) or reverse("web:home")},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def two_factor_disable(request: AuthedRequest) -> HttpResponse:
    try:
        twofactor.two_factor_disable(
            request=request, user=request.user, current_token=request.POST.get("current_token", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已关闭二次验证。"))
    return redirect("accounts:my_account")


def _handover_keep(request: AuthedRequest, handover: Handover) -> None:
    if handover.enrolment_code:
        request.session[_HANDOVER] = {"user": handover.user.pk, "code": handover.enrolment_code}


def _handover_take(request: AuthedRequest, user_id: int) -> str:
    """The enrolment code issued for this account, once."""
    waiting = request.session.get(_HANDOVER)
    if not waiting or waiting["user"] != user_id:
        return ""
    del request.session[_HANDOVER]
    return str(waiting["code"])


@require_GET
def user_list(request: AuthedRequest) -> HttpResponse:
    """Everyone holding a role where the user manages users: the accounts they manage open
    on a page of their own; of the others (a fellow county admin, another county's admin
    volunteering here) only the roles held here are shown, and revoked here."""
    if not scope_for(request.user).manages_users:
        raise Http404
    form = UserFilterForm(request.GET)
    users = users_in_scope_of(request.user)
    if form.is_valid() and (query := form.cleaned_data["q"].strip()):
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    users = users.prefetch_related(
        Prefetch(
            "memberships",
            queryset=memberships_in_scope_of(request.user),
            to_attr="visible_memberships",
        ),
        Prefetch(
            "memberships",
            queryset=memberships_managed_by(request.user),
            to_attr="revocable_memberships",
        ),
    ).order_by("username")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    managed = set(
        users_managed_by(request.user)
        .filter(pk__in=[listed.pk for listed in page])
        .values_list("pk", flat=True)
    )
    for listed in page:
        listed.account_managed = listed.pk in managed  # type: ignore[attr-defined]
    return render(request, "accounts/user_list.html", {"form": form, "page": page})


@never_cache
@require_GET
def role_changes(request: AuthedRequest) -> HttpResponse:
    """角色变更记录: accounts created, roles granted and revoked where the user manages
    users, with who did it; the accounts they manage open on their pages."""
    if not scope_for(request.user).manages_users:
        raise Http404
    page = Paginator(role_events_in_scope_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    managed = set(
        users_managed_by(request.user)
        .filter(pk__in=[event.user_id for event in page if event.user_id is not None])
        .values_list("pk", flat=True)
    )
    return render(request, "accounts/role_changes.html", {"page": page, "managed": managed})


@require_http_methods(["GET", "POST"])
def user_new(request: AuthedRequest) -> HttpResponse:
    if not scope_for(request.user).manages_users:
        raise Http404
    form = UserCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            handover = user_create(created_by=request.user, request=request, **form.cleaned_data)
        except ApplicationError as error:
            show_error(form, error)
        else:
            _handover_keep(request, handover)
            messages.success(
                request, _("已创建用户“%(name)s”。") % {"name": handover.user.username}
            )
            return redirect("accounts:user_detail", user_id=handover.user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def user_detail(request: AuthedRequest, user_id: int) -> HttpResponse:
    """An account the user manages as a whole: its state, roles and login log; granting."""
    user = user_get_for_manager(manager=request.user, user_id=user_id)
    form = PlaceFields(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            handover = membership_grant(
                granted_by=request.user, user_id=user.pk, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            show_error(form, error)
        else:
            _handover_keep(request, handover)
            messages.success(request, _("已分配角色。"))
            return redirect("accounts:user_detail", user_id=user.pk)
    response = render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "memberships": memberships_managed_by(request.user).filter(user=user),
            "role_history": membership_history_of(user),
            "form": form,
            "reset_form": PasswordResetForm(),
            "two_factor_enabled": twofactor.two_factor_enabled(user),
            "two_factor_required": twofactor.two_factor_required(user),
            "enrolment_code_waiting": enrolment_codes_usable().filter(user=user).first(),
            "enrolment_code": _handover_take(request, user.pk),
            "enrolment_code_hours": int(settings.ENROLMENT_CODE_VALIDITY.total_seconds() // 3600),
            "login_events": login_events_of(user, limit=10),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def user_account_action(request: AuthedRequest, user_id: int, action: str) -> HttpResponse:
    """An administrator's lock, unlock, or reset of two-factor login."""
    user = user_get_for_manager(manager=request.user, user_id=user_id)
    try:
        if action == "lock":
            user_lock(locked_by=request.user, user_id=user.pk, request=request)
            done = _("已停用该账户，其登录会话随即失效。")
        elif action == "unlock":
            user_unlock(unlocked_by=request.user, user_id=user.pk, request=request)
            done = _("已启用该账户，并解除了登录失败锁定。")
        elif action == "reset-2fa":
            handover = twofactor.two_factor_reset(
                reset_by=request.user, user_id=user.pk, request=request
            )
            _handover_keep(request, handover)
            done = _("已重置二次验证；该用户下次登录时须重新绑定验证器。")
        else:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("accounts:user_detail", user_id=user.pk)


@require_POST
def user_password_reset_view(request: AuthedRequest, user_id: int) -> HttpResponse:
    user = user_get_for_manager(manager=request.user, user_id=user_id)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            user_password_reset(
                reset_by=request.user,
                user_id=user.pk,
                password=form.cleaned_data["password"],
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已重置密码；用户下次登录时须修改。"))
    else:
        messages.error(request, _("请输入新的初始密码。"))
    return redirect("accounts:user_detail", user_id=user.pk)


@require_POST
def membership_delete(request: AuthedRequest, user_id: int, membership_id: int) -> HttpResponse:
    """Revoke a role the user manages: on the account's page, or, for an account they do not
    manage as a whole, on the user list."""
    try:
        membership_revoke(
            revoked_by=request.user, user_id=user_id, membership_id=membership_id, request=request
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤销角色。"))
    if users_managed_by(request.user).filter(pk=user_id).exists():
        return redirect("accounts:user_detail", user_id=user_id)
    return redirect("accounts:user_list")
