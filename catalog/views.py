import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.selectors import review_items_for
from catalog import selectors
from catalog.forms import PhotoUploadForm
from catalog.listings.services import listing_write_batch
from catalog.models import Product, QCVerdict
from catalog.photos.intake import accepted_formats
from catalog.services import PhotoUpload, photos_upload
from forecasting.selectors import product_sales_by_week
from studio.permissions import CHANGE, can, get_for_user, makers_for


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:80]
    try:
        maker = int(request.GET.get("maker") or 0) or None
    except ValueError:
        maker = None
    products = selectors.products_for(request.user, search=search, category=category, maker=maker)
    page = Paginator(products, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/product_list.html",
        {
            "page": page,
            "search": search,
            "category": category,
            "maker": maker,
            "categories": selectors.categories(),
            "makers": makers_for(request.user),
        },
    )


@login_required
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = selectors.product_for(request.user, product_id=product_id)
    today = timezone.localdate()
    # 26 whole weeks ending with this one; weeks without sales are zero, not missing.
    mondays = [today - dt.timedelta(days=today.weekday(), weeks=n) for n in range(25, -1, -1)]
    sold = {_as_date(row["week"]): row["units"] for row in product_sales_by_week(product_id=product.pk, since=mondays[0])}
    weeks = [{"week": monday, "units": sold.get(monday, 0)} for monday in mondays]
    peak = max((row["units"] for row in weeks), default=0)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "weekly_sales": [{**row, "height": max(0, round(100 * row["units"] / peak)) if peak > 0 else 0} for row in weeks],
            "units_26w": sum(row["units"] for row in weeks),
            "drafts": review_items_for(request.user, state=None).filter(subject_key=f"product:{product.pk}")[:10],
            "can_write_listing": can(request.user, CHANGE, product),
            "upload_form": _upload_form() if can(request.user, CHANGE, product) else None,
        },
    )


@login_required
@require_POST
def product_photos_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    """Upload one or more photos; each file is judged on its own and reported back by name."""
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    form = _upload_form(data=request.POST, files=request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photos", []):
            messages.error(request, error)
        return redirect("product-detail", product_id=product.pk)
    results = photos_upload(product=product, files=form.cleaned_data["photos"], uploaded_by=request.user)
    refused = sum(not result.ok for result in results)
    if len(results) > 1 and refused:
        messages.warning(request, f"{len(results) - refused} of {len(results)} photos kept, {refused} refused.")
    elif len(results) > 1:
        messages.success(request, f"{len(results)} of {len(results)} photos kept.")
    for result in results:
        _report_upload(request, result)
    return redirect("product-detail", product_id=product.pk)  # the messages on top say what became of each file


def _upload_form(**kwargs) -> PhotoUploadForm:
    return PhotoUploadForm(max_bytes=settings.ATELIER_PHOTO_MAX_BYTES, formats=accepted_formats(), **kwargs)


def _report_upload(request: HttpRequest, result: PhotoUpload) -> None:
    if not result.ok:
        messages.error(request, result.error)  # intake's message starts with the file name
        return
    photo = result.photo
    if not result.created:
        messages.info(request, f"{result.filename}: already on this product as photo {photo.position + 1}.")
        return
    concerns = photo.qc_concerns
    if photo.qc_verdict == QCVerdict.FAIL:
        messages.warning(
            request, f"{result.filename}: added as photo {photo.position + 1}, but it failed a quality check — "
            f"{concerns[0]['label'].lower()}: {concerns[0]['message']} You can still use it.",
        )
    elif photo.qc_verdict == QCVerdict.WARN:
        messages.success(
            request, f"{result.filename}: added as photo {photo.position + 1}, with {len(concerns)} "
            f"warning{'s' if len(concerns) != 1 else ''} — {concerns[0]['message']}",
        )
    else:
        messages.success(request, f"{result.filename}: added as photo {photo.position + 1}; it passed every quality check.")


@login_required
@require_POST
def product_write_listing(request: HttpRequest, product_id: int) -> HttpResponse:
    """Queue listing copy for one product; the job page shows it being written."""
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    job = listing_write_batch(product_ids=[product.pk], requested_by=request.user)
    messages.success(request, f"Writing listing copy for “{product.title}”. It will wait for your review in the queue.")
    return redirect("job-detail", job_id=job.pk)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
