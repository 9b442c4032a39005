"""The self-assessment's API."""

from django.http import Http404
from rest_framework import permissions
from rest_framework.views import APIView

from stations.permissions import IsManager


class AssessmentView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsManager]

    def get(self, request):
        raise Http404
