from django.urls import path

from guanai.exports import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:export_id>/", views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
    path("exports/<int:export_id>/cancel/", views.export_cancel, name="export_cancel"),
]
