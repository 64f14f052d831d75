from rest_framework.routers import SimpleRouter

from forecasting.api import views

router = SimpleRouter()
router.register("sales", views.SaleViewSet, basename="api-sale")
urlpatterns = router.urls
