from django.urls import path
from rest_framework.routers import SimpleRouter

from automation.api import views

router = SimpleRouter()
router.register("webhooks/endpoints", views.EndpointViewSet, basename="api-webhook-endpoint")

urlpatterns = [
    path("hooks/", views.HookSubscribeView.as_view(), name="api-hooks"),
    path("hooks/samples/<str:event>/", views.HookSampleView.as_view(), name="api-hook-sample"),
    path("hooks/samples/<str:event>", views.HookSampleNoSlashView.as_view(), name="api-hook-sample-noslash"),
    path("hooks/<int:pk>/", views.HookDetailView.as_view(), name="api-hook"),
    path("hooks/<int:pk>", views.HookDetailNoSlashView.as_view(), name="api-hook-noslash"),
    *router.urls,
]
