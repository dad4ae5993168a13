from django.urls import path

from guanai.roster import views

app_name = "roster"
urlpatterns = [
    path("children/export/", views.roster_export, name="export"),
    path("children/import/template/", views.roster_template, name="template"),
]
