"""Reports (national-system export, annual report) and the volunteer's personal-data rights."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from reports.files import XLSX_TYPE, attachment
from reports.legal import annual_report, national_export
from reports.legal.personal_data import own_photo, personal_data, personal_data_pdf
from reports.legal.serializers import AnnualReportQuerySerializer, NationalExportQuerySerializer
from stations.models import PracticeUnit
from stations.permissions import IsManager
from volunteers.services import holds_own_account

XLSX_RESPONSE = {(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX")}


class IsAdmin(permissions.BasePermission):
    """Admins only: the national system needs full ID and mobile numbers, which only admins see."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.is_superuser)


class NationalExportView(APIView):
    """Volunteers or approved service records of a unit's subtree, laid out for the national system's import."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    throttle_scope = "export"

    @extend_schema(parameters=[NationalExportQuerySerializer], responses=XLSX_RESPONSE)
    def get(self, request) -> FileResponse:
        query = NationalExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        unit = get_object_or_404(PracticeUnit, pk=data["unit"])
        return national_export.download(unit, data["kind"], data.get("date_from"), data.get("date_to"))


class AnnualReportView(APIView):
    """The annual report on recording and certificates of a unit's subtree (办法 art. 18), per month."""

    permission_classes = [permissions.IsAuthenticated, IsManager]
    throttle_scope = "export"

    @extend_schema(parameters=[AnnualReportQuerySerializer], responses=XLSX_RESPONSE)
    def get(self, request) -> FileResponse:
        query = AnnualReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        # A unit outside the manager's subtree answers like an unknown one.
        unit = get_object_or_404(PracticeUnit.objects.managed_by(request.user), pk=data["unit"])
        return annual_report.download(unit, data.get("year") or timezone.localdate().year)


def my_data_name() -> str:
    # Not inside an f-string: xgettext does not look into f-strings.
    return _("My personal data")


def own_account(request) -> User:
    """The logged-in volunteer or resident; managers and admins without a volunteer profile get 404."""
    if not holds_own_account(request.user):
        raise NotFound(_("This account has no personal data page; an admin answers for it."))
    return request.user


class MyDataView(APIView):
    """Everything held about the logged-in volunteer or resident, as JSON (PIPL art. 45)."""

    throttle_scope = "export"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request) -> Response:
        response = Response(personal_data(own_account(request)))
        response["Content-Disposition"] = attachment(f"{my_data_name()}.json", "my-data.json")
        return response


class MyDataPdfView(APIView):
    """The same data as a readable PDF."""

    throttle_scope = "export"

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")})
    def get(self, request) -> HttpResponse:
        response = HttpResponse(personal_data_pdf(own_account(request)), content_type="application/pdf")
        response["Content-Disposition"] = attachment(f"{my_data_name()}.pdf", "my-data.pdf")
        return response


class MyPhotoView(APIView):
    """One photo the person uploaded (to an order, an activity, a correction request), as their data lists it."""

    throttle_scope = "export"

    @extend_schema(responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="JPEG")})
    def get(self, request, kind: str, pk: int) -> FileResponse:
        photo = own_photo(own_account(request), kind, pk)
        if not photo:
            raise NotFound(_("No such photo of yours."))
        return FileResponse(photo.open("rb"), content_type="image/jpeg")
