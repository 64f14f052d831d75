from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from studio import panels

ATTENTION_SHOWN = 12


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard: a greeting, one list of what needs this person (most urgent first, from every app's
    attention source) and whatever panels the apps register for it (studio.panels)."""
    attention = panels.attention_for(request)
    return render(
        request,
        "studio/dashboard.html",
        {
            "attention": attention[:ATTENTION_SHOWN],
            "attention_total": len(attention),
            "attention_notices": panels.attention_notices(request),
        },
    )
