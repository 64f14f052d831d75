from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studio.models import Job
from studio.permissions import get_for_user
from studio.selectors import job_progress, jobs_for


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


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the error may be the database.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
