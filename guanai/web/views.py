from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanai.accounts.types import AuthedRequest
from guanai.web.home import panels_for


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    panels = panels_for(request, request.user)
    # Each stylesheet linked once, in the order of the first panel that needs it.
    stylesheets = dict.fromkeys(sheet for panel in panels for sheet in panel.stylesheets)
    return render(request, "web/home.html", {"panels": panels, "stylesheets": list(stylesheets)})
