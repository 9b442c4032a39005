"""Ledgers over the API: ask for one, watch its progress, download it."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reports.files import XLSX_TYPE
from reports.ledgers.jobs import ledger_download, start_ledger_job
from reports.ledgers.serializers import LedgerJobSerializer, LedgerRequestSerializer
from reports.models import LedgerJob
from stations.permissions import IsManager


class LedgerJobViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Ledgers (台账) of units in the manager's subtree; the requester and the unit's managers reach a job."""

    queryset = LedgerJob.objects.none()
    serializer_class = LedgerJobSerializer

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsManager()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return LedgerJob.objects.visible_to(self.request.user).select_related("unit")

    @extend_schema(request=LedgerRequestSerializer, responses={201: LedgerJobSerializer, 200: LedgerJobSerializer})
    def create(self, request) -> Response:
        """Ask for a ledger: small ones come back finished, big ones queued (poll the job, then download).

        While one for the same unit, period and format is being made, that one answers (200).
        """
        body = LedgerRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job, created = start_ledger_job(data["unit"], data["ledger_period"], data["format"], by=request.user)
        return Response(
            self.get_serializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP"),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None) -> FileResponse:
        """The finished ledger (409 while it is being made)."""
        return ledger_download(self.get_object())
