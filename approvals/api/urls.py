from rest_framework.routers import SimpleRouter

from approvals.api import views

router = SimpleRouter()
router.register("reviews", views.ReviewItemViewSet, basename="api-review")
urlpatterns = router.urls
