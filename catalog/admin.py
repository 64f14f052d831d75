from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from catalog.forms import MultipleFileField
from catalog.models import Category, Look, Photo, Product, QCVerdict, StagedImage, Variant
from catalog.photos.intake import accepted_formats
from studio.admin import ReadOnlyAdminMixin, RestrictedAdminMixin, RestrictedInlineMixin
from studio.permissions import CHANGE, is_manager
from studio.validators import NulFreeJSONField


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "shopify_taxonomy_id", "product_count"]
    search_fields = ["name", "slug", "shopify_taxonomy_id"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_products=Count("products"))

    @admin.display(ordering="_products", description="products")
    def product_count(self, obj):
        return obj._products


class VariantInline(RestrictedInlineMixin, admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "title", "options", "price", "stock_on_hand", "position"]

    def get_readonly_fields(self, request, obj=None):
        # SKUs tie sales, stock and channels together: managers change them, as in the API.
        return [] if is_manager(request.user) else ["sku"]


def qc_summary(photo: Photo) -> str:
    """The verdict and, when something isn't right, what and why."""
    if not photo.qc_verdict:
        return "Not checked"
    concerns = photo.qc_concerns
    if not concerns:
        return photo.get_qc_verdict_display()
    return format_html(
        '<strong>{}</strong><ul style="margin:.25rem 0 0;padding-left:1rem">{}</ul>',
        photo.get_qc_verdict_display(),
        format_html_join("", "<li>{}: {}</li>", ((check["label"], check["message"]) for check in concerns)),
    )


class PhotoInline(RestrictedInlineMixin, admin.TabularInline):
    """Existing photos; new ones come through the "Add photos" field above, which runs intake."""

    model = Photo
    extra = 0
    fields = ["preview", "quality", "variant", "alt_text", "position", "width", "height", "size_bytes", "sha256"]
    readonly_fields = ["preview", "quality", "width", "height", "size_bytes", "sha256"]

    def has_add_permission(self, request, obj=None):
        return False  # a file added here would skip intake: no clean-up, no QC

    @admin.display(description="")
    def preview(self, obj):
        if not obj.pk or not obj.file:
            return ""
        return format_html('<img src="{}" alt="" style="height:64px;width:64px;object-fit:cover">', obj.file.url)

    @admin.display(description="quality")
    def quality(self, obj):
        return qc_summary(obj)


class ProductAdminForm(forms.ModelForm):
    new_photos = MultipleFileField(label="Add photos", required=False)

    class Meta:
        model = Product
        fields = "__all__"  # noqa: DJ007  the admin's fieldsets choose what is shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_photos"].help_text = (
            f"{accepted_formats()}, up to {filesizeformat(settings.ATELIER_PHOTO_MAX_BYTES)} each. Each photo is "
            "checked on its own when you save: good ones are added, refused ones are listed with the reason."
        )


class PhotoQualityFilter(admin.SimpleListFilter):
    title = "photo quality"
    parameter_name = "photo_quality"

    def lookups(self, request, model_admin):
        return [("fail", "A photo failed"), ("warn", "A photo has warnings"), ("none", "No photos")]

    def queryset(self, request, queryset):
        photos = Photo.objects.filter(product=OuterRef("pk"))
        if self.value() in {QCVerdict.FAIL, QCVerdict.WARN}:
            return queryset.filter(Exists(photos.filter(qc_verdict=self.value())))
        if self.value() == "none":
            return queryset.filter(~Exists(photos))
        return queryset


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("low", "Low (≤ 2)"), ("ok", "In stock")]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(_stock__lte=0)
        if self.value() == "low":
            return queryset.filter(_stock__gt=0, _stock__lte=2)
        if self.value() == "ok":
            return queryset.filter(_stock__gt=2)
        return queryset


@admin.register(Product)
class ProductAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "title",
        "maker",
        "category",
        "price",
        "variant_count",
        "stock",
        "made_to_order",
        "is_active",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["category", "maker", "made_to_order", "is_active", StockFilter, PhotoQualityFilter]
    list_editable = ["is_active"]
    search_fields = ["title", "handle", "variants__sku", "story"]
    list_select_related = ["maker", "category"]
    prepopulated_fields = {"handle": ["title"]}
    inlines = [VariantInline, PhotoInline]
    form = ProductAdminForm
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "handle", "maker", "category", "price", "is_active"]}),
        ("Maker's facts", {"fields": ["materials", "techniques", "dimensions", "weight_grams", "care", "story"]}),
        ("Making", {"fields": ["made_to_order", "lead_time_days", "minutes_per_unit", "batch_size"]}),
        ("Photos", {"fields": ["new_photos"]}),
    ]

    actions = ["write_listing_copy"]

    @admin.action(description="Write listing copy for the selected products", permissions=["change"])
    def write_listing_copy(self, request, queryset):
        from django.contrib import messages
        from django.shortcuts import redirect

        from catalog.listings.services import listing_write_batch
        from studio.permissions import CHANGE

        ids = list(queryset.restrict(request.user, CHANGE).values_list("pk", flat=True))
        job = listing_write_batch(product_ids=ids, requested_by=request.user)
        self.message_user(
            request,
            f"Writing listing copy for {len(ids)} products; each draft will wait in the review queue.",
            messages.SUCCESS,
        )
        return redirect("job-detail", job_id=job.pk)

    def save_related(self, request, form, formsets, change):
        """New photos go through the same intake as the product page and the API."""
        super().save_related(request, form, formsets, change)
        files = form.cleaned_data.get("new_photos") or []
        if not files:
            return
        if not request.user.has_perm("catalog.add_photo"):
            self.message_user(request, "You may not add photos.", messages.ERROR)
            return
        from catalog.services import photos_upload

        for result in photos_upload(product=form.instance, files=files, uploaded_by=request.user):
            # The admin capitalises messages, so each starts with a word, not with the file's name.
            if not result.ok:
                self.message_user(request, f"Refused {result.error}", messages.ERROR)
            elif not result.created:
                self.message_user(request, f"Already on this product: {result.filename}.", messages.INFO)
            elif not result.photo.qc_verdict:
                self.message_user(
                    request, f"Added {result.filename}; its quality checks and cut-out are running.", messages.SUCCESS
                )
            else:
                level = messages.WARNING if result.photo.qc_verdict == QCVerdict.FAIL else messages.SUCCESS
                verdict = result.photo.get_qc_verdict_display().lower()
                self.message_user(request, f"Added {result.filename}; quality: {verdict}.", level)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_variants=Count("variants", distinct=True), _stock=Sum("variants__stock_on_hand"))
            .prefetch_related("photos")
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if is_manager(request.user) else ["maker", "handle"]

    def get_prepopulated_fields(self, request, obj=None):
        # A read-only handle isn't in the form; prepopulating it would crash the page.
        return self.prepopulated_fields if is_manager(request.user) else {}

    def get_list_filter(self, request):
        return self.list_filter if is_manager(request.user) else [f for f in self.list_filter if f != "maker"]

    @admin.display(description="")
    def thumbnail(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        return format_html('<img src="{}" alt="" style="height:40px;width:40px;object-fit:cover">', photos[0].file.url)

    @admin.display(ordering="_variants", description="variants")
    def variant_count(self, obj):
        return obj._variants

    @admin.display(ordering="_stock", description="stock")
    def stock(self, obj):
        return obj._stock or 0


@admin.register(Variant)
class VariantAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "product", "title", "effective_price", "stock_on_hand"]
    # RelatedOnly: the makers of rows the user may see, not a list of every account.
    list_filter = ["product__category", ("product__maker", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["stock_on_hand"]
    search_fields = ["sku", "title", "product__title"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]

    def get_readonly_fields(self, request, obj=None):
        return [] if is_manager(request.user) else ["sku"]


class QCVerdictFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "qc_verdict"

    def lookups(self, request, model_admin):
        return [*QCVerdict.choices, ("unchecked", "Not checked")]

    def queryset(self, request, queryset):
        if self.value() == "unchecked":
            return queryset.filter(qc_verdict="")
        if self.value() in QCVerdict.values:
            return queryset.filter(qc_verdict=self.value())
        return queryset


@admin.register(Photo)
class PhotoAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Photos are added on their product (admin, product page or API), where intake checks them."""

    list_display = [
        "thumbnail",
        "__str__",
        "product",
        "qc_verdict",
        "width",
        "height",
        "size_bytes",
        "uploaded_by",
        "uploaded_at",
    ]
    list_display_links = ["thumbnail", "__str__"]
    list_filter = [QCVerdictFilter, "product__category", ("product__maker", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["product__title", "sha256", "alt_text"]
    list_select_related = ["product", "uploaded_by"]
    fields = [
        "product",
        "variant",
        "alt_text",
        "position",
        "preview",
        "quality_checks",
        "qc_checked_at",
        "file",
        "sha256",
        "width",
        "height",
        "size_bytes",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = [
        "product",
        "preview",
        "quality_checks",
        "qc_checked_at",
        "file",
        "sha256",
        "width",
        "height",
        "size_bytes",
        "uploaded_by",
        "uploaded_at",
    ]
    autocomplete_fields = ["variant"]
    actions = ["check_quality_again"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="")
    def thumbnail(self, obj):
        return format_html('<img src="{}" alt="" style="height:40px;width:40px;object-fit:cover">', obj.file.url)

    @admin.display(description="photo")
    def preview(self, obj):
        return format_html('<img src="{}" alt="" style="max-height:240px;max-width:240px">', obj.file.url)

    @admin.display(description="quality checks")
    def quality_checks(self, obj):
        if not obj.qc_checks:
            return "Not checked"
        return format_html(
            '<strong>{}</strong><ul style="margin:.25rem 0 0;padding-left:1rem">{}</ul>',
            obj.get_qc_verdict_display(),
            format_html_join(
                "",
                "<li>{} — {}: {}</li>",
                ((check["verdict"].upper(), check["label"], check["message"]) for check in obj.qc_checks),
            ),
        )

    @admin.action(description="Run the quality checks again", permissions=["change"])
    def check_quality_again(self, request, queryset):
        from catalog.services import photo_qc_refresh

        ids = list(queryset.restrict(request.user, CHANGE).values_list("pk", flat=True))
        for photo_id in ids:
            photo_qc_refresh(photo_id=photo_id)
        self.message_user(request, f"Checked {len(ids)} photo{'s' if len(ids) != 1 else ''} again.", messages.SUCCESS)


class LookAdminForm(forms.ModelForm):
    """A look's settings are edited as JSON and saved as a new version (earlier ones are kept)."""

    spec = NulFreeJSONField(
        label="Settings",
        required=False,
        help_text="Backdrop, surface, placement, shadow, light, colour grade and the generative prompt. "
        "Leave empty for the defaults. Saving a change adds a version; staged images keep theirs.",
    )

    class Meta:
        model = Look
        fields = ["name", "description", "is_active", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.current_id:
            self.fields["spec"].initial = self.instance.current.spec

    def clean_spec(self):
        from catalog.staging.services import look_spec_clean

        return look_spec_clean(self.cleaned_data.get("spec") or {})


@admin.register(Look)
class LookAdmin(admin.ModelAdmin):
    form = LookAdminForm
    list_display = ["name", "is_active", "position", "version"]
    list_editable = ["is_active", "position"]
    search_fields = ["name"]

    @admin.display(description="version")
    def version(self, obj):
        return obj.current.number if obj.current_id else "—"

    def save_model(self, request, obj, form, change):
        from catalog.staging.services import look_create, look_update

        spec = form.cleaned_data.get("spec") or {}
        if not change:
            created = look_create(
                name=obj.name, spec=spec, user=request.user, description=obj.description, position=obj.position
            )
            obj.pk, obj.current = created.pk, created.current
            obj.is_active = created.is_active
            Look.objects.filter(pk=obj.pk).update(is_active=form.cleaned_data["is_active"])
            return
        super().save_model(request, obj, form, change)
        look_update(look=obj, spec=spec, user=request.user)


@admin.register(StagedImage)
class StagedImageAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "product", "look", "status", "stager", "updated_at"]
    list_filter = ["status", "look"]
    search_fields = ["product__title", "product__handle"]
    list_select_related = ["product", "look", "photo__product"]
