from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AnyUser
from certificates import services
from certificates.filters import BulkIssueJobFilter, CertificateFilter, CertificateRequestFilter
from certificates.models import BulkIssueJob, Certificate, CertificateRequest, JobStatus
from certificates.serializers import (
    AcceptRequestSerializer,
    BulkIssueJobSerializer,
    CertificateIssueSerializer,
    CertificateRequestSerializer,
    CertificateSerializer,
    DeclineRequestSerializer,
    ReissueSerializer,
    RevokeSerializer,
    VerificationSerializer,
    VerifyQuerySerializer,
)
from stations.permissions import IsManager, IsManagerOrReadOnly, in_reach
from volunteers.models import Volunteer

PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")}


def stored_file(file, filename: str, content_type: str) -> FileResponse:
    # FileResponse writes the Chinese file name as RFC 5987 filename*=UTF-8''...
    return FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


def job_file_stem(job: BulkIssueJob) -> str:
    return f"志愿服务证明-{job.unit.name}-{job.period_start:%Y%m%d}-{job.period_end:%Y%m%d}"


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Certificates: volunteers see their own, managers those issued within their subtree."""

    queryset = Certificate.objects.none()
    serializer_class = CertificateSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = CertificateFilter
    ordering_fields = ["issued_at", "number", "hours"]
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        certificates = in_reach(Certificate.objects, self.request)
        return certificates.with_review_state().select_related("unit").order_by("-issued_at", "-id")

    @extend_schema(request=CertificateIssueSerializer, responses={201: CertificateSerializer})
    def create(self, request) -> Response:
        """Issue a certificate directly: one event, or a period, of the unit's subtree."""
        serializer = CertificateIssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        coverage = services.Coverage(
            event=data.get("event"), period_start=data.get("period_start"), period_end=data.get("period_end")
        )
        certificate = services.issue_certificate(
            data["volunteer"],
            data["unit"],
            coverage,
            by=request.user,
            handler_name=data["handler_name"],
            remarks=data["remarks"],
            publicity_days=data["publicity_days"],
            include_trainings=data["include_trainings"],
            include_awards=data["include_awards"],
        )
        body = self.get_serializer(certificate).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None) -> FileResponse:
        """The stored PDF, exactly as issued."""
        certificate = self.get_object()
        return stored_file(certificate.pdf, certificate.download_name, "application/pdf")

    @extend_schema(request=RevokeSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None) -> Response:
        """Revoke with a reason; the certificate stays on record and verifies as revoked."""
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = services.revoke_certificate(
            self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(certificate).data)

    @extend_schema(request=ReissueSerializer, responses={201: CertificateSerializer})
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None) -> Response:
        """Revoke with a reason and issue the same scope anew from the records as they are now."""
        serializer = ReissueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = services.reissue_certificate(self.get_object(), by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(certificate).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[VerifyQuerySerializer], responses=VerificationSerializer)
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[permissions.AllowAny],
        authentication_classes=[],
        # Per client address: numbers are sequential, codes must not be guessed.
        throttle_scope="verify",
        filter_backends=[],
        pagination_class=None,
    )
    def verify(self, request) -> Response:
        """Public verification: valid or revoked; a wrong code and an unknown number both answer 404."""
        query = VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        certificate = services.verify_certificate(query.validated_data["number"], query.validated_data["code"])
        return Response(VerificationSerializer(VerificationSerializer.of(certificate)).data)


class VerifyPageView(APIView):
    """The page the certificate's QR code opens: is this certificate genuine?"""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "verify"
    renderer_classes = [TemplateHTMLRenderer]
    template_name = "certificates/verify.html"

    @extend_schema(exclude=True)
    def get(self, request, number: str) -> Response:
        try:
            certificate = services.verify_certificate(number, request.query_params.get("code", "")[:32])
        except services.CertificateError:
            return Response({"found": False, "number": number[:48]}, status=status.HTTP_404_NOT_FOUND)
        return Response({"found": True, "certificate": VerificationSerializer.of(certificate)})

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Throttled):
            wait = exc.wait  # type: ignore[attr-defined]  # set by Throttled.__init__, missing from the stubs
            return Response({"throttled": True, "wait": wait}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return super().handle_exception(exc)


def own_volunteer(user: AnyUser) -> Volunteer:
    volunteer = Volunteer.objects.of_user(user).select_related("home_station").first()
    if volunteer is None:
        raise services.CertificateError("no_volunteer_profile")
    return volunteer


class CertificateRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Requests for certificates: a volunteer asks, a manager of the unit asked issues or declines."""

    queryset = CertificateRequest.objects.none()
    serializer_class = CertificateRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = CertificateRequestFilter
    ordering_fields = ["created_at", "decided_at"]

    def get_queryset(self):
        requests = in_reach(CertificateRequest.objects, self.request, reading=self.action in ("list", "retrieve"))
        return requests.select_related("volunteer", "unit", "certificate").order_by("-created_at", "-id")

    @extend_schema(request=CertificateRequestSerializer, responses={201: CertificateRequestSerializer})
    def create(self, request) -> Response:
        """A volunteer asks for a certificate of one event or a period."""
        volunteer = own_volunteer(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = data.get("event")
        unit = data.get("unit") or (event.unit if event is not None else volunteer.home_station)
        coverage = services.Coverage(
            event=event, period_start=data.get("period_start"), period_end=data.get("period_end")
        )
        created = services.request_certificate(volunteer, unit, coverage, purpose=data.get("purpose", ""))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AcceptRequestSerializer, responses=CertificateRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, IsManager])
    def accept(self, request, pk=None) -> Response:
        """Issue the certificate asked for."""
        serializer = AcceptRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accepted = services.accept_request(self.get_object(), by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(accepted).data)

    @extend_schema(request=DeclineRequestSerializer, responses=CertificateRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, IsManager])
    def decline(self, request, pk=None) -> Response:
        """Decline with a reason the volunteer sees."""
        serializer = DeclineRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declined = services.decline_request(
            self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(declined).data)


class BulkIssueJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Bulk certificate jobs of the manager's subtree: start one, watch its progress, download the results."""

    queryset = BulkIssueJob.objects.none()
    serializer_class = BulkIssueJobSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filterset_class = BulkIssueJobFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return BulkIssueJob.objects.visible_to(self.request.user).select_related("unit").order_by("-created_at", "-id")

    @extend_schema(responses={201: BulkIssueJobSerializer, 200: BulkIssueJobSerializer})
    def create(self, request) -> Response:
        """Start a job for a unit and period; while one for the same scope runs, that one answers (200)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job, created = services.start_bulk_job(
            data["unit"], data["period_start"], data["period_end"], by=request.user, remarks=data.get("remarks", "")
        )
        job.refresh_from_db()
        return Response(
            self.get_serializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _finished(self) -> BulkIssueJob:
        job = self.get_object()
        if job.status != JobStatus.FINISHED:
            raise services.CertificateError("job_not_finished")
        return job

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP")})
    @action(detail=True, methods=["get"])
    def zip(self, request, pk=None) -> FileResponse:
        """One PDF per volunteer, in a ZIP."""
        job = self._finished()
        return stored_file(job.zip_file, f"{job_file_stem(job)}.zip", "application/zip")

    @extend_schema(responses=PDF_RESPONSE)
    @action(detail=True, methods=["get"], url_path="combined-pdf")
    def combined_pdf(self, request, pk=None) -> FileResponse:
        """Every certificate of the job in one PDF, for printing."""
        job = self._finished()
        return stored_file(job.combined_pdf, f"{job_file_stem(job)}.pdf", "application/pdf")
