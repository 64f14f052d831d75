from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="api-category")
router.register("looks", views.LookViewSet, basename="api-look")
router.register("products", views.ProductViewSet, basename="api-product")
router.register("variants", views.VariantViewSet, basename="api-variant")
urlpatterns = router.urls
