from rest_framework.routers import SimpleRouter

from forecasting.api import views

router = SimpleRouter()
# Before "sales": otherwise sales/{pk}/ would take "imports" for a sale id.
router.register("sales/imports", views.SalesImportViewSet, basename="api-sales-import")
router.register("sales", views.SaleViewSet, basename="api-sale")
router.register("forecasts", views.ForecastViewSet, basename="api-forecast")
router.register("alerts", views.StockAlertViewSet, basename="api-alert")
router.register("plans", views.ProductionPlanViewSet, basename="api-plan")
urlpatterns = router.urls
