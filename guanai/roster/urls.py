from django.urls import path

from guanai.roster import views

app_name = "roster"
urlpatterns = [
    path("children/export/", views.roster_export, name="export"),
    path("children/import/template/", views.roster_template, name="template"),
    path("children/import/", views.roster_import, name="import"),
    path("children/import/<int:batch_id>/", views.roster_import_detail, name="import_detail"),
    path("children/import/<int:batch_id>/apply/", views.roster_import_apply, name="import_apply"),
    path("children/import/<int:batch_id>/map/", views.roster_import_map, name="import_map"),
    path(
        "children/import/<int:batch_id>/progress/",
        views.roster_import_progress,
        name="import_progress",
    ),
    path("children/import/<int:batch_id>/undo/", views.roster_import_undo, name="import_undo"),
    path(
        "children/import/<int:batch_id>/errors/", views.roster_import_errors, name="import_errors"
    ),
]
