from django.urls import include, path

from channels import views

urlpatterns = [
    path("", include("channels.etsy.urls")),
    path("catalog/products/<int:product_id>/publish/", views.product_publish, name="product-publish"),
    path("catalog/products/<int:product_id>/push-stock/", views.product_push_stock, name="product-push-stock"),
    path("catalog/products/export/shopify.csv", views.products_export, name="products-export-csv"),
    path("catalog/products/export/<str:channel>.csv", views.products_export, name="products-export"),
    path("catalog/products/export/<str:channel>/", views.products_export_summary, name="products-export-summary"),
    # Shopify's order webhooks were registered at this address before there were other channels.
    path(
        "webhooks/shopify/orders",
        views.channel_webhook,
        {"channel": "shopify", "topic": "orders"},
        name="shopify-webhook",
    ),
    path("webhooks/<str:channel>/<str:topic>", views.channel_webhook, name="channel-webhook"),
]
