from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("products/<int:product_id>/", views.product_detail, name="product-detail"),
    path("products/<int:product_id>/facts/", views.product_facts_edit, name="product-facts-edit"),
    path("products/<int:product_id>/photos/", views.product_photos_upload, name="product-photos-upload"),
    path("products/<int:product_id>/write-listing/", views.product_write_listing, name="product-write-listing"),
    path("products/<int:product_id>/stage/", views.product_stage, name="product-stage"),
    path("products/bulk/", views.products_bulk, name="products-bulk"),
    path("staged/<int:staged_id>/stage-again/", views.staged_image_stage_again, name="staged-image-stage-again"),
    path("staged/<int:staged_id>/stage-anyway/", views.staged_image_stage_anyway, name="staged-image-stage-anyway"),
]
