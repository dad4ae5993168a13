from django.urls import path

from guanai.conflicts import views

app_name = "conflicts"
urlpatterns = [
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path(
        "conflicts/<int:conflict_id>/resolve/", views.conflict_resolve_view, name="conflict_resolve"
    ),
    path(
        "conflicts/alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge_view,
        name="alert_acknowledge",
    ),
]
