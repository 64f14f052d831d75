from django.contrib import admin
from django.db.models import Count, Sum
from django.utils.html import format_html

from catalog.models import Category, Photo, Product, Variant
from studio.admin import RestrictedAdminMixin, RestrictedInlineMixin
from studio.permissions import is_manager


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


class PhotoInline(RestrictedInlineMixin, admin.TabularInline):
    model = Photo
    extra = 0
    fields = ["preview", "file", "variant", "alt_text", "position", "width", "height", "size_bytes", "sha256"]
    readonly_fields = ["preview", "width", "height", "size_bytes", "sha256"]

    @admin.display(description="")
    def preview(self, obj):
        if not obj.pk or not obj.file:
            return ""
        return format_html('<img src="{}" alt="" style="height:64px;width:64px;object-fit:cover">', obj.file.url)


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
    list_display = ["thumbnail", "title", "maker", "category", "price", "variant_count", "stock", "made_to_order", "is_active"]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["category", "maker", "made_to_order", "is_active", StockFilter]
    list_editable = ["is_active"]
    search_fields = ["title", "handle", "variants__sku", "story"]
    list_select_related = ["maker", "category"]
    prepopulated_fields = {"handle": ["title"]}
    inlines = [VariantInline, PhotoInline]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "handle", "maker", "category", "price", "is_active"]}),
        ("Maker's facts", {"fields": ["materials", "techniques", "dimensions", "weight_grams", "care", "story"]}),
        ("Making", {"fields": ["made_to_order", "lead_time_days", "minutes_per_unit", "batch_size"]}),
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
        self.message_user(request, f"Writing listing copy for {len(ids)} products; each draft will wait in the review queue.", messages.SUCCESS)
        return redirect("job-detail", job_id=job.pk)

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


@admin.register(Photo)
class PhotoAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "product", "width", "height", "size_bytes", "uploaded_by", "uploaded_at"]
    list_filter = ["product__category", ("product__maker", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["product__title", "sha256", "alt_text"]
    list_select_related = ["product", "uploaded_by"]
    readonly_fields = ["sha256", "width", "height", "size_bytes", "uploaded_by", "uploaded_at"]
    autocomplete_fields = ["product", "variant"]
