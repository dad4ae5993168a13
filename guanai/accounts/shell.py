"""The accounts' entries in the menu: user management for those who manage users, and
everyone's own account, last."""

from django.utils.translation import gettext_lazy as _

from guanai.web import menu

menu.register(
    menu.MenuEntry(
        "accounts:user_list",
        _("用户管理"),
        "bi-people",
        order=50,
        visible=lambda _user, scope: scope.manages_users,
        active_prefix="accounts:user",
    )
)
menu.register(
    menu.MenuEntry(
        "accounts:my_account",
        _("我的账号"),
        "bi-person-circle",
        order=1000,
        visible=menu.everyone,
        active_prefix="accounts:my_",
    )
)
