from django.urls import path

from guanai.retention import views

app_name = "retention"
urlpatterns = [
    path("retention/", views.policy_list, name="policy_list"),
    path("retention/<str:code>/", views.policy_edit, name="policy_edit"),
]
