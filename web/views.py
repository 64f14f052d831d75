from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard: a greeting and whatever panels the apps register for it (studio.panels)."""
    return render(request, "studio/dashboard.html")
