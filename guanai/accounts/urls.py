from django.urls import path

from guanai.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", views.my_account, name="my_account"),
    path("account/password/", views.my_password, name="my_password"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path(
        "users/<int:user_id>/memberships/<int:membership_id>/delete/",
        views.membership_delete,
        name="membership_delete",
    ),
]
