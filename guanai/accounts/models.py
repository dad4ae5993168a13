from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanai.areas.models import AreaLevel


class ScopeKind(models.TextChoices):
    GLOBAL = "global", _("全部")
    AREA = "area", _("地区")
    SCHOOL = "school", _("学校")


class Role(models.Model):
    """A role of DESIGN.md §1, kept as data (rows are created by a migration).

    `rank` orders authority: a user grants, revokes and acts on only roles ranking strictly
    below the role through which they manage users (scope.Scope.manage_rank).
    """

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    name_en = models.CharField(_("英文名称"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("级别"))
    scope_kind = models.CharField(_("范围类型"), max_length=10, choices=ScopeKind.choices)
    # The area level an area-scoped role is bound at; blank means any level.
    area_level = models.CharField(
        _("绑定地区级别"), max_length=10, choices=AreaLevel.choices, blank=True
    )
    manages_users = models.BooleanField(_("可管理用户"), default=False)
    manages_schools = models.BooleanField(_("可管理学校"), default=False)
    # System and county-level roles: two-factor login required, passwords expire.
    privileged = models.BooleanField(_("须二次验证"), default=False)

    class Meta:
        ordering = ["-rank", "code"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. What they may see comes from their memberships alone."""

    username = models.CharField(_("用户名"), max_length=60, unique=True)
    full_name = models.CharField(_("姓名"), max_length=60)
    is_active = models.BooleanField(_("启用"), default=True)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class HeldMembershipManager(models.Manager["Membership"]):
    """The memberships held now: not revoked."""

    def get_queryset(self) -> models.QuerySet["Membership"]:
        return super().get_queryset().filter(revoked_at__isnull=True)


class Membership(models.Model):
    """Binds a user to a role at one area (any level) or one school, from `granted_at` until
    it is revoked (`revoked_at`). A revoked membership is kept, as the account's history
    of roles: who granted and who revoked which role where, and when.

    Everything that decides what a user may do must count only the memberships held now,
    and forgetting to say so must not be possible. So the default manager, `objects`, and
    with it `user.memberships` (and a prefetch of it), return only those; the history,
    revoked ones included, is read through `all_objects`, by name, where a history is
    meant. Joins from a user (`User.objects.filter(...)` through its memberships) bypass
    managers: their lookup is `memberships_incl_revoked__`, so that the `memberships__`
    one would expect fails loudly (FieldError) instead of counting a revoked role. Join
    through a subquery of held ones: `memberships_incl_revoked__in=Membership.objects...`.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="memberships",
        related_query_name="memberships_incl_revoked",
        verbose_name=_("用户"),
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, verbose_name=_("角色"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("地区")
    )
    school = models.ForeignKey(
        "areas.School", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("学校")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("授权人"),
    )
    # Valid from.
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    # Valid until; held now while empty.
    revoked_at = models.DateTimeField(
        pgettext_lazy("membership", "撤销时间"), null=True, blank=True
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("membership", "撤销人"),
    )

    objects: ClassVar[HeldMembershipManager] = HeldMembershipManager()
    all_objects: ClassVar[models.Manager["Membership"]] = models.Manager()

    class Meta:
        ordering = ["user_id", "-role__rank"]
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(area__isnull=False, school__isnull=False),
                name="membership_area_or_school",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True)
                | models.Q(revoked_at__gte=models.F("granted_at")),
                name="membership_revoked_after_granted",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_by__isnull=True) | models.Q(revoked_at__isnull=False),
                name="membership_revoked_by_when_revoked",
            ),
            # One role at one place once among the memberships held now; a role revoked
            # can be granted again. One constraint per shape, since SQLite cannot treat
            # NULLs as equal.
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=models.Q(area__isnull=False, revoked_at__isnull=True),
                name="membership_unique_area",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(school__isnull=False, revoked_at__isnull=True),
                name="membership_unique_school",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(area__isnull=True, school__isnull=True, revoked_at__isnull=True),
                name="membership_unique_global",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.place}" if self.place else str(self.role)

    @property
    def place(self) -> object:
        return self.school or self.area


class PasswordHistory(models.Model):
    """The hashes of a user's passwords, newest first, so that none of the last few returns."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.set_at:%Y-%m-%d}"


class LoginEvent(models.Model):
    """One event of an account's security: logins, failures, lockouts, password and
    two-factor changes, an administrator's lock or unlock, the account created, roles
    granted and revoked. Who, when, from where.

    The log of acts, kept for the audit retention period and then pruned; what roles an
    account holds and held (and so what counts for REVOKED_ROLE_HOLD) is its memberships'
    record, never this log. A role event carries the role and its place, by which the
    county's log of role changes finds it (selectors.role_events_in_scope_of).
    """

    class Kind(models.TextChoices):
        SUCCESS = "success", _("登录成功")
        FAILURE = "failure", _("登录失败")
        LOCKED = "locked", _("账户锁定")
        LOGOUT = "logout", _("退出")
        TIMEOUT = "timeout", _("超时退出")
        OTP_SUCCESS = "otp_success", _("动态码验证通过")
        OTP_FAILURE = "otp_failure", _("动态码错误")
        RECOVERY_USED = "recovery_used", _("使用恢复码登录")
        OTP_ENROLLED = "otp_enrolled", _("启用二次验证")
        OTP_REMOVED = "otp_removed", _("关闭二次验证")
        OTP_RESET = "otp_reset", _("管理员重置二次验证")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET = "password_reset", _("管理员重置密码")
        ADMIN_LOCK = "admin_lock", _("管理员停用账户")
        ADMIN_UNLOCK = "admin_unlock", _("管理员启用账户")
        RATE_LIMITED = "rate_limited", _("操作过于频繁")
        ACCOUNT_CREATED = "account_created", _("创建账户")
        ROLE_GRANTED = "role_granted", _("授予角色")
        ROLE_REVOKED = "role_revoked", _("撤销角色")
        ENROLMENT_CODE_ISSUED = "enrol_code_issued", _("管理员签发绑定码")
        ENROLMENT_CODE_FAILURE = "enrol_code_failure", _("绑定码错误")

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="login_events"
    )
    username = models.CharField(_("用户名"), max_length=150)
    kind = models.CharField(_("结果"), max_length=20, choices=Kind.choices)
    # Who did it, where it is not the user themself (an administrator's lock or reset).
    by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    # The role granted or revoked, and where (the membership's role, area and school); for
    # an account created, its first role.
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("角色")
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("地区")
    )
    school = models.ForeignKey(
        "areas.School", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("学校")
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")
        indexes = [
            models.Index(fields=["user", "-at"]),
            # The county's log of role changes: a few kinds among every login.
            models.Index(fields=["kind", "-at"], name="loginevent_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def place(self) -> object:
        return self.school or self.area


class EnrolmentCode(models.Model):
    """The one-time code with which a privileged account enrols its authenticator, issued to
    an administrator (shown once) who hands it over with the initial password or after
    resetting the account's two-factor login. Kept hashed; gone once used."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="enrolment_code", verbose_name=_("用户")
    )
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    failures = models.PositiveSmallIntegerField(_("错误次数"), default=0)

    class Meta:
        verbose_name = _("绑定码")
        verbose_name_plural = _("绑定码")

    def __str__(self) -> str:
        return f"{self.user_id} {self.expires_at:%Y-%m-%d %H:%M}"
