from rest_framework import viewsets
from rest_framework.generics import RetrieveAPIView

from studio.api.permissions import HasRole, RestrictedViewSetMixin
from studio.api.serializers import JobSerializer, StudioProfileSerializer
from studio.models import Job
from studio.services import studio_profile_get


class JobViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Background jobs and their progress (poll `GET /api/jobs/{id}/`)."""

    queryset = Job.objects.select_related("created_by")
    serializer_class = JobSerializer


class StudioProfileView(RetrieveAPIView):
    """The studio's profile: name, brand voice, currency."""

    serializer_class = StudioProfileSerializer
    permission_classes = [HasRole]

    def get_object(self):
        return studio_profile_get()
