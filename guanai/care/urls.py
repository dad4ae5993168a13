from django.urls import path

from guanai.care import urls_helpers, views, views_supervision

app_name = "care"
urlpatterns = [
    path("care/tasks/", views.my_tasks, name="my_tasks"),
    path("children/<int:child_id>/care/new/", views.record_new, name="record_new"),
    path("care/records/<int:record_id>/", views.record_detail, name="record_detail"),
    path("care/records/<int:record_id>/edit/", views.record_edit, name="record_edit"),
    path("care/records/<int:record_id>/delete/", views.record_delete_view, name="record_delete"),
    path("care/records/<int:record_id>/done/", views.follow_up_done_view, name="follow_up_done"),
    path("care/overview/", views.overview, name="overview"),
    path("care/overview/list/", views.due_list_view, name="due_list"),
    path("care/plan/", views.plan_view, name="plan"),
    path("children/<int:child_id>/care/assign/", views.assign, name="assign"),
    path(
        "care/assignments/<int:assignment_id>/end/",
        views.assignment_end_view,
        name="assignment_end",
    ),
    path("care/teachers/assign/", views.teacher_assign, name="teacher_assign"),
    *urls_helpers.urlpatterns,
    *views_supervision.urlpatterns,
]
