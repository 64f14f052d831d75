from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from web.selectors import dashboard_for


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/dashboard.html", dashboard_for(request.user))
