from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from studio.api.problems import API_PREFIX, problem_response
from studio.api.services import api_token_create, api_token_revoke
from studio.forms import ApiTokenForm
from studio.models import ApiToken, Job
from studio.permissions import get_for_user
from studio.selectors import job_progress, jobs_for

ISSUED_SESSION_KEY = "api_token_issued"


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "studio/job_list.html", {"jobs": jobs_for(request.user)[:100]})


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_for_user(Job.objects.all(), request.user, pk=job_id)
    return render(request, "studio/job_detail.html", {"job": job, "progress": job_progress(job)})


@login_required
@require_GET
def job_progress_json(request: HttpRequest, job_id: int) -> JsonResponse:
    job = get_for_user(Job.objects.all(), request.user, pk=job_id)
    return JsonResponse(job_progress(job))


@login_required
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """Your account: password, and the API tokens you made.

    A new token's secret goes through the session to the page the browser is sent to
    next, and is dropped from the session there: shown once, and a reload makes no second token.
    """
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
        request.session[ISSUED_SESSION_KEY] = {"id": issued.token.pk, "secret": issued.secret}
        return redirect("profile")
    issued = None
    shown = request.session.pop(ISSUED_SESSION_KEY, None)
    if shown:
        token = ApiToken.objects.filter(pk=shown["id"], user=request.user).first()
        issued = token and {"token": token, "secret": shown["secret"]}
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")[:50]
    return render(request, "studio/profile.html", {"form": form, "issued": issued, "tokens": tokens})


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = api_token_revoke(token_id=token_id, by=request.user)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, f"“{token.name}” is revoked: requests with it now get 401.")
    return redirect("profile")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _api_problem(request, status: int, detail: str) -> HttpResponse | None:
    """Under /api/, an error Django answers itself (no URL matched, a bad Host) is a problem document,
    as the API's own errors are; a browser asking for HTML still gets the page."""
    if not request.path.startswith(API_PREFIX) or "text/html" in request.headers.get("Accept", ""):
        return None
    return problem_response(status, detail)


def bad_request(request, exception=None):
    return _api_problem(request, 400, "The request could not be understood.") or render(
        request, "errors/400.html", status=400
    )


def permission_denied(request, exception=None):
    return _api_problem(request, 403, "You do not have permission to perform this action.") or render(
        request, "errors/403.html", status=403
    )


def page_not_found(request, exception=None):
    return _api_problem(request, 404, "No API endpoint matches this URL.") or render(
        request, "errors/404.html", status=404
    )


def server_error(request):
    problem = _api_problem(request, 500, "Something went wrong on our side; it has been logged.")
    if problem is not None:
        return problem
    # No context processors that touch the database: the error may be the database.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
