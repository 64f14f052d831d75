from django.urls import path
from rest_framework.routers import SimpleRouter

from channels.api import views

router = SimpleRouter()
router.register("unmatched-skus", views.UnmatchedSkuViewSet, basename="api-unmatched-sku")

# Before catalog's product routes: "products/publish/" must not be read as a product id.
urlpatterns = [
    path("products/publish/", views.PublishView.as_view(), name="api-product-publish"),
    path("products/<int:pk>/channel/", views.ProductChannelView.as_view(), name="api-product-channel"),
    *router.urls,
]
