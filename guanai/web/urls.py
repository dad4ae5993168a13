from django.urls import path

from guanai.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
