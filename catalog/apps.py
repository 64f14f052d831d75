from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from approvals import registry
        from catalog import panels  # noqa: F401  registers the catalogue's bulk actions
        from catalog.galleries.kind import GALLERY
        from catalog.listings.kind import LISTING_COPY
        from catalog.staging.kind import STAGED_IMAGE

        registry.register(LISTING_COPY)
        registry.register(STAGED_IMAGE)
        registry.register(GALLERY)
