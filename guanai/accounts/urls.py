from django.urls import path

from guanai.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", views.my_account, name="my_account"),
    path("account/password/", views.my_password, name="my_password"),
    path("account/2fa/", views.two_factor_verify, name="two_factor_verify"),
    path("account/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/2fa/codes/", views.recovery_codes, name="recovery_codes"),
    path("account/2fa/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/role-changes/", views.role_changes, name="role_changes"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path(
        "users/<int:user_id>/password/",
        views.user_password_reset_view,
        name="user_password_reset",
    ),
    *(
        path(f"users/<int:user_id>/{action}/", views.user_account_action, {"action": action}, name)
        for action, name in (
            ("lock", "user_lock"),
            ("unlock", "user_unlock"),
            ("reset-2fa", "user_two_factor_reset"),
        )
    ),
    path(
        "users/<int:user_id>/memberships/<int:membership_id>/delete/",
        views.membership_delete,
        name="membership_delete",
    ),
]
