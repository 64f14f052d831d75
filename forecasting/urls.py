from django.urls import path

from forecasting import views

urlpatterns = [
    path("", views.sale_list, name="sale-list"),
    path("import/", views.sale_import, name="sale-import"),
    path("imports/<int:import_id>/", views.sale_import_detail, name="sale-import-detail"),
    path("forecasts/", views.forecast_overview, name="forecast-overview"),
    path("forecasts/refit/", views.forecast_refit, name="forecast-refit"),
]
