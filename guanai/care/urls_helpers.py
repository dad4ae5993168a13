"""The helper register and pairing (结对帮扶): included by guanai.care.urls."""

from django.urls import path

from guanai.care import views_helpers as views

urlpatterns = [
    path("care/helpers/", views.helper_list, name="helper_list"),
    path("care/helpers/new/", views.helper_new, name="helper_new"),
    path("care/helpers/<int:helper_id>/", views.helper_detail, name="helper_detail"),
    path("care/helpers/<int:helper_id>/edit/", views.helper_edit, name="helper_edit"),
    path("care/helpers/<int:helper_id>/checks/new/", views.check_new, name="check_new"),
    path("care/helpers/<int:helper_id>/pair/", views.pairing_new, name="pairing_new"),
    path("care/pairings/<int:pairing_id>/end/", views.pairing_end_view, name="pairing_end"),
]
