from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from approvals.selectors import review_items_for
from catalog import selectors
from catalog.forms import PhotoUploadForm, ProductFactsForm
from catalog.galleries.selectors import gallery_state_for
from catalog.listings.services import listing_write_batch
from catalog.models import Look, Product, QCVerdict, StagedImage
from catalog.photos.intake import accepted_formats
from catalog.services import PhotoUpload, photos_upload
from catalog.staging.services import looks_ensure_starters, staged_image_retry, staging_needed, staging_start
from studio import figures, panels
from studio.models import Job
from studio.parsing import ascii_ids, ascii_int
from studio.permissions import CHANGE, VIEW, can, get_for_user, is_manager, makers_for


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:80]
    maker = ascii_int(request.GET.get("maker")) or None
    products = selectors.products_for(request.user, search=search, category=category, maker=maker)
    paginator = Paginator(products, 24)
    if not (search or category or maker) and (stored := figures.stored_figures(request, "catalog")) is not None:
        # The whole catalogue: its count is the dashboard's, summed in the background, not a COUNT of every
        # product on each page (studio.figures: read only while nothing changed since it was summed).
        paginator.count = stored["product_count"]
    page = paginator.get_page(request.GET.get("page"))
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
            "looks": _active_looks(),
            "can_bulk": request.user.has_perm("catalog.change_product"),
            "bulk_actions": panels.actions_for(request.user),
        },
    )


@login_required
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    """The product with its photos, variants and drafts; sales, forecasts and channels add their own panels."""
    product = selectors.product_for(request.user, product_id=product_id)
    checking = ascii_int(request.GET.get("checking", ""))
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "checking": Job.objects.restrict(request.user, VIEW).filter(pk=checking).first() if checking else None,
            "drafts": review_items_for(request.user, state=None).filter(subject_key=f"product:{product.pk}")[:10],
            "can_write_listing": can(request.user, CHANGE, product),
            "upload_form": _upload_form() if can(request.user, CHANGE, product) else None,
            "looks": _looks_with_counts(product),
            "staged_images": selectors.staged_images_for(product=product),
            "can_stage_anyway": is_manager(request.user) and can(request.user, CHANGE, product),
            "gallery": gallery_state_for(product=product),
        },
    )


@login_required
def product_facts_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    """The maker's facts of their own product (managers: any product, with prices); the admin stays for managers."""
    product = get_for_user(Product.objects.select_related("maker"), request.user, CHANGE, pk=product_id)
    may_price = is_manager(request.user)
    form = ProductFactsForm(request.POST or None, instance=product, may_price=may_price)
    if request.method == "POST" and form.is_valid():
        form.save()
        changed = [form.fields[name].label or name for name in form.changed_data]
        if changed:
            messages.success(request, f"Saved: {', '.join(str(label).lower() for label in changed)}.")
        return redirect("product-detail", product_id=product.pk)
    return render(request, "catalog/product_facts.html", {"product": product, "form": form, "may_price": may_price})


def _active_looks() -> list[Look]:
    looks_ensure_starters()
    return list(Look.objects.filter(is_active=True, current__isnull=False))


def _looks_with_counts(product: Product) -> list[Look]:
    """The active looks, each with `to_stage`: how many of the product's photos "Stage photos" would stage."""
    looks = _active_looks()
    needed = staging_needed(photos=list(product.photos.all()), looks=looks)
    for look in looks:
        look.to_stage = sum(1 for _, chosen in needed if chosen.pk == look.pk)
    return looks


def _chosen_looks(request: HttpRequest) -> list[Look]:
    ids = ascii_ids(request.POST.getlist("looks"))
    return list(Look.objects.filter(pk__in=ids, is_active=True, current__isnull=False))


@login_required
@require_POST
def product_stage(request: HttpRequest, product_id: int) -> HttpResponse:
    """Stage this product's photos into the chosen looks; each image waits for review."""
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    looks = _chosen_looks(request)
    if not looks:
        messages.error(request, "Choose at least one look to stage the photos into.")
        return redirect(f"{reverse('product-detail', args=[product.pk])}#staging")
    if not product.photos.exists():
        messages.error(request, "Upload a photo first: staging places the product from its photos into each look.")
        return redirect(f"{reverse('product-detail', args=[product.pk])}#staging")
    job = staging_start(products=[product], looks=looks, requested_by=request.user)
    if not job.total:
        messages.info(request, job.message or "Nothing new to stage.")
        return redirect(f"{reverse('product-detail', args=[product.pk])}#staging")
    messages.success(
        request,
        f"Staging “{product.title}”: {job.total} new or changed image{'' if job.total == 1 else 's'}. "
        "Each will wait for your review.",
    )
    return redirect("job-detail", job_id=job.pk)


@login_required
@require_POST
def staged_image_stage_again(request: HttpRequest, staged_id: int) -> HttpResponse:
    staged = get_for_user(
        StagedImage.objects.select_related("look", "photo", "product"), request.user, CHANGE, pk=staged_id
    )
    job = staged_image_retry(staged=staged, requested_by=request.user)
    messages.success(request, f"Staging again: {staged.look.name}, photo {staged.photo.position + 1}.")
    return redirect("job-detail", job_id=job.pk)


@login_required
@require_POST
def staged_image_stage_anyway(request: HttpRequest, staged_id: int) -> HttpResponse:
    """A manager stages a photo whose cut-out failed its check; the image then waits for review, flagged."""
    staged = get_for_user(
        StagedImage.objects.select_related("look", "photo", "product"), request.user, CHANGE, pk=staged_id
    )
    if not is_manager(request.user):
        return render(request, "errors/403.html", status=403)
    job = staged_image_retry(staged=staged, requested_by=request.user, anyway=True)
    messages.success(
        request,
        f"Staging anyway: {staged.look.name}, photo {staged.photo.position + 1}. "
        "The image will wait for review with what the check found.",
    )
    return redirect("job-detail", job_id=job.pk)


@login_required
@require_POST
def products_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the products ticked in the catalogue, as registered in studio.panels (stage, write copy, publish…)."""
    ids = ascii_ids(request.POST.getlist("products"))
    products = list(Product.objects.filter(pk__in=ids).restrict(request.user, CHANGE))
    action = request.POST.get("action", "")
    back = request.POST.get("next") or reverse("product-list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("product-list")
    if not products:
        messages.error(request, "Tick at least one product first.")
        return redirect(back)
    chosen = panels.action(action)
    if chosen is None or not request.user.has_perm(chosen.permission):
        messages.error(request, "Choose what to do with the ticked products.")
        return redirect(back)
    try:
        job = chosen.start(request, products)
    except panels.ActionRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    if job.status == job.Status.FAILED:
        messages.error(request, job.message)
        return redirect(back)
    messages.success(request, f"{job.label}: started.")
    return redirect("job-detail", job_id=job.pk)


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
    url = reverse("product-detail", args=[product.pk])
    if results.job is not None:  # the product page shows the checks' progress bar
        url += f"?checking={results.job.pk}"
    return redirect(url)  # the messages on top say what became of each file


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
    if not photo.qc_verdict:
        messages.success(
            request,
            f"{result.filename}: added as photo {photo.position + 1}; its quality checks and cut-out are running.",
        )
        return
    concerns = photo.qc_concerns
    if photo.qc_verdict == QCVerdict.FAIL:
        messages.warning(
            request,
            f"{result.filename}: added as photo {photo.position + 1}, but it failed a quality check — "
            f"{concerns[0]['label'].lower()}: {concerns[0]['message']} You can still use it.",
        )
    elif photo.qc_verdict == QCVerdict.WARN:
        messages.success(
            request,
            f"{result.filename}: added as photo {photo.position + 1}, with {len(concerns)} "
            f"warning{'s' if len(concerns) != 1 else ''} — {concerns[0]['message']}",
        )
    else:
        messages.success(
            request, f"{result.filename}: added as photo {photo.position + 1}; it passed every quality check."
        )


@login_required
@require_POST
def product_write_listing(request: HttpRequest, product_id: int) -> HttpResponse:
    """Queue listing copy for one product; the job page shows it being written."""
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    job = listing_write_batch(product_ids=[product.pk], requested_by=request.user)
    messages.success(request, f"Writing listing copy for “{product.title}”. It will wait for your review in the queue.")
    return redirect("job-detail", job_id=job.pk)
