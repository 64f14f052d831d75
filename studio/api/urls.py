from django.urls import path
from rest_framework.routers import SimpleRouter

from studio.api import views

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="api-job")

urlpatterns = [path("studio/", views.StudioProfileView.as_view(), name="api-studio"), *router.urls]
