from django.urls import path

from guanai.areas import views

app_name = "areas"
urlpatterns = [
    path("areas/", views.area_list, name="area_list"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("schools/", views.school_list, name="school_list"),
    path("schools/new/", views.school_new, name="school_new"),
    path("schools/<int:school_id>/", views.school_detail, name="school_detail"),
    path("schools/<int:school_id>/edit/", views.school_edit, name="school_edit"),
]
