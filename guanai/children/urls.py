from django.urls import path

from guanai.children import views
from guanai.children.consent import views as consent_views

app_name = "children"
urlpatterns = [
    path("children/", views.child_list, name="child_list"),
    path("children/new/", views.child_new, name="child_new"),
    path("children/new/validate/", views.child_validate_new, name="child_validate_new"),
    path("children/review/", views.review_list, name="review_list"),
    path("children/review/approve/", views.review_bulk, name="review_bulk"),
    path("children/find/", views.child_find, name="child_find"),
    path("children/complete/", views.child_complete_next, name="complete"),
    path("children/<int:child_id>/", views.child_detail, name="child_detail"),
    path("children/<int:child_id>/edit/", views.child_edit, name="child_edit"),
    path("children/<int:child_id>/validate/", views.child_validate, name="child_validate"),
    path("children/<int:child_id>/complete/", views.child_complete, name="child_complete"),
    path("children/<int:child_id>/exit/", views.child_exit_view, name="child_exit"),
    path("children/<int:child_id>/restore/", views.child_restore_view, name="child_restore"),
    path("children/<int:child_id>/reveal/", views.child_reveal_view, name="child_reveal"),
    path("children/<int:child_id>/review/", views.child_review_view, name="child_review"),
    path(
        "children/<int:child_id>/consents/new/",
        consent_views.consent_record_view,
        name="consent_record",
    ),
    path(
        "children/<int:child_id>/consents/<int:consent_id>/withdraw/",
        consent_views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("children/<int:child_id>/photo/", consent_views.child_photo, name="child_photo"),
    path(
        "children/<int:child_id>/photo/upload/",
        consent_views.child_photo_upload,
        name="child_photo_upload",
    ),
    path(
        "children/<int:child_id>/photo/delete/",
        consent_views.child_photo_delete,
        name="child_photo_delete",
    ),
]
