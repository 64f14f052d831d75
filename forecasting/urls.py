from django.urls import path

from forecasting import views

urlpatterns = [
    path("", views.sale_list, name="sale-list"),
]
