from django.urls import path

from channels.etsy import views

urlpatterns = [
    path("channels/etsy/", views.etsy_connect_page, name="etsy-connect"),
    path("channels/etsy/connect/", views.etsy_connect_start, name="etsy-connect-start"),
    path("channels/etsy/callback/", views.etsy_callback, name="etsy-callback"),
    path("channels/etsy/disconnect/", views.etsy_disconnect, name="etsy-disconnect"),
    path("catalog/products/<int:product_id>/etsy/", views.product_etsy_facts, name="product-etsy-facts"),
]
