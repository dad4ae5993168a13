from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

# Every error page in the site's layout and language (guanai/core/error_views.py).
handler400 = "guanai.core.error_views.bad_request"
handler403 = "guanai.core.error_views.permission_denied"
handler404 = "guanai.core.error_views.page_not_found"
handler500 = "guanai.core.error_views.server_error"

urlpatterns = [
    path("", include("guanai.web.urls")),
    path("", include("guanai.core.urls")),
    path("", include("guanai.areas.urls")),
    path("", include("guanai.accounts.urls")),
    path("", include("guanai.children.urls")),
    path("", include("guanai.roster.urls")),
    path("", include("guanai.retention.urls")),
    path("", include("guanai.audit.urls")),
    path("", include("guanai.conflicts.urls")),
    path("", include("guanai.exports.urls")),
    path("", include("guanai.care.urls")),
    # The login page offers the language switch too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
