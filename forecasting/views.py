from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from forecasting.forms import SalesImportForm
from forecasting.imports.service import import_size_limit, too_large_message
from forecasting.models import SalesImport
from forecasting.selectors import (
    forecast_accuracy,
    production_plans_for,
    sales_for,
    sales_imports_recent,
    stock_alerts_for,
    stock_alerts_notice,
)
from forecasting.services import sales_import_submit
from studio.parsing import declared_size
from studio.permissions import is_manager

PROBLEMS_SHOWN = 100
_MULTIPART_SLACK = 64 * 1024  # form fields and boundaries around the file


@login_required
def sale_list(request: HttpRequest) -> HttpResponse:
    line_total = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    page = Paginator(sales_for(request.user).annotate(line_total=line_total), 50).get_page(request.GET.get("page"))
    return render(request, "forecasting/sale_list.html", {"page": page, "can_import": is_manager(request.user)})


@csrf_exempt  # checked in _sale_import_checked, after an oversized body has been refused unread
@login_required
def sale_import(request: HttpRequest) -> HttpResponse:
    if not is_manager(request.user):
        return _managers_only(request)
    limit = import_size_limit()
    if request.method == "POST" and declared_size(request) > limit + _MULTIPART_SLACK:
        # Refused before Django parses the upload, so a 200 MB file costs nothing.
        return _import_page(
            request, SalesImportForm(), error=too_large_message(declared_size(request), limit), status=413
        )
    return _sale_import_checked(request)


@csrf_protect
def _sale_import_checked(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request, SalesImportForm())
    form = SalesImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    record = sales_import_submit(
        file=upload,
        file_name=upload.name,
        user=request.user,
        file_format=form.cleaned_data["file_format"],
        mode=form.cleaned_data["mode"],
        dry_run=form.cleaned_data["dry_run"],
    )
    if record.status == SalesImport.Status.FAILED:
        return _import_page(request, form, error=record.report["error"], failed=record, status=400)
    return redirect("sale-import-detail", import_id=record.pk)


@login_required
def sale_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    if not is_manager(request.user):
        return _managers_only(request)
    record = get_object_or_404(SalesImport.objects.select_related("created_by", "job"), pk=import_id)
    report = record.report
    return render(
        request,
        "forecasting/sale_import_detail.html",
        {
            "record": record,
            "report": report,
            "counts": report.get("counts", {}),
            "problems": report.get("problems", [])[:PROBLEMS_SHOWN],
            "problems_shown": PROBLEMS_SHOWN,
        },
    )


def _import_page(
    request, form, *, error: str = "", failed: SalesImport | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "forecasting/sale_import.html",
        {
            "form": form,
            "error": error,
            "failed": failed,
            "recent": sales_imports_recent(limit=10),
            "limit_mb": import_size_limit() // (1024 * 1024),
        },
        status=status,
    )


def _managers_only(request: HttpRequest) -> HttpResponse:
    return render(request, "forecasting/sale_import_denied.html", status=403)


@login_required
def forecast_overview(request: HttpRequest) -> HttpResponse:
    """Alerts, the latest production plans and how accurate the forecasts are, on one page."""
    today = timezone.localdate()
    alerts = stock_alerts_for(request.user, today=today)
    return render(
        request,
        "forecasting/overview.html",
        {
            "alerts": alerts,
            "alerts_notice": stock_alerts_notice(alerts),
            "plans": production_plans_for(request.user),
            "accuracy": forecast_accuracy(user=request.user),
            "can_refit": is_manager(request.user),
        },
    )


@login_required
@require_POST
def forecast_refit(request: HttpRequest) -> HttpResponse:
    """Refit every forecast now and plan again (managers; the nightly schedule does the same)."""
    from forecasting.demand import forecasts_refit_start

    if not is_manager(request.user):
        return _managers_only(request)
    job = forecasts_refit_start(requested_by=request.user)
    messages.success(request, "Refitting the forecasts; new production plans will wait in the review queue.")
    return redirect("job-detail", job_id=job.pk)
