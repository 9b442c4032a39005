from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from accounts.client_addresses import client_ip
from accounts.models import AnyUser
from events import activity, services
from events.checkin_codes import expires_at, make_event_code, make_volunteer_code
from events.filters import (
    CorrectionRequestFilter,
    EventFilter,
    RecordDeadlineFilter,
    RefusedScanFilter,
    ServiceRecordFilter,
)
from events.models import (
    ActivityPhoto,
    ActivityRecord,
    CorrectionRequest,
    Evaluation,
    Event,
    RefusedScan,
    ServiceRecord,
    Signup,
    SignupStatus,
)
from events.photos import throttle_photo_uploads
from events.qr_codes import qr_svg
from events.record_deadlines import due_records
from events.serializers import (
    ActivityPhotoSerializer,
    ActivityPhotoUploadSerializer,
    ActivityRecordSerializer,
    ActivityRecordWriteSerializer,
    BulkApproveResultSerializer,
    BulkApproveSerializer,
    CheckinCodeQuerySerializer,
    CheckInSerializer,
    CodeSerializer,
    CorrectionRequestSerializer,
    DecisionSerializer,
    EvaluationSerializer,
    EventSerializer,
    ManualRecordSerializer,
    RecordChangeSerializer,
    RecordCorrectionSerializer,
    RecordDeadlineSerializer,
    RefusedScanSerializer,
    RejectSerializer,
    ScanSerializer,
    ServiceRecordSerializer,
    SignupRequestSerializer,
    SignupSerializer,
    TrainingSerializer,
)
from stations.permissions import IsManager, IsManagerOrReadOnly, in_reach
from stations.scoping import is_manager
from volunteers.models import Training, Volunteer


def own_volunteer(user: AnyUser) -> Volunteer:
    volunteer = Volunteer.objects.of_user(user).first()
    if volunteer is None:
        raise services.EventError("no_volunteer_profile")
    return volunteer


def scan_context(request, data: dict | None = None) -> services.ScanContext:
    data = data or {}
    return services.ScanContext(
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        client_time=data.get("client_time"),
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def checkin_url(token: str) -> str:
    return f"{settings.SITE_URL}/c/{token}"


class RunsEvents(permissions.BasePermission):
    """Managers, and volunteers named among an event's leaders; ``Event.objects.run_by`` picks the events."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_manager(user) or Event.leaders.through.objects.filter(user=user).exists()


class EventViewSet(viewsets.ModelViewSet):
    """Events: everybody logged in sees published ones; managers run those of their subtree."""

    # For the schema generator only; requests go through get_queryset.
    queryset = Event.objects.none()
    serializer_class = EventSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = EventFilter
    ordering_fields = ["starts_at", "created_at", "title"]
    # Actions any volunteer may take on an event they can see.
    volunteer_actions = {"signup"}
    # Actions of those who run the event on the day: its managers and its leaders.
    run_actions = {"signups", "checkin_code", "scan", "activity_record", "activity_photos"}
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        user = self.request.user
        reading = self.request.method in permissions.SAFE_METHODS or self.action in self.volunteer_actions
        if self.action in self.run_actions:
            events = Event.objects.run_by(user)
        else:
            events = in_reach(Event.objects, self.request, reading=reading)
        my_signup = Signup.objects.filter(event=OuterRef("pk"), volunteer__user=user).exclude(
            status=SignupStatus.CANCELLED
        )
        return (
            events.select_related("unit", "venue", "project")
            .annotate(
                confirmed_count=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
                waitlisted_count=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
                my_signup_status=Subquery(my_signup.values("status")[:1]),
            )
            .order_by("-starts_at", "-id")
        )

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.save(created_by=self.request.user)

    @transaction.atomic
    def perform_update(self, serializer: BaseSerializer) -> None:
        # A changed unit or category moves approved hours in the statistics' rollups, in this transaction.
        serializer.save()

    def perform_destroy(self, instance: Event) -> None:
        services.delete_event(instance)

    def _answer(self, event: Event) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=event.pk)).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None) -> Response:
        return self._answer(services.publish_event(self.get_object(), by=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        return self._answer(services.cancel_event(self.get_object()))

    @extend_schema(request=SignupRequestSerializer, responses={200: SignupSerializer, 201: SignupSerializer, 204: None})
    @action(detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated])
    def signup(self, request, pk=None) -> Response:
        """Sign up (a place or the waitlist) or, with DELETE, give the place up."""
        event = self.get_object()
        volunteer = own_volunteer(request.user)
        if request.method == "DELETE":
            services.cancel_signup(event, volunteer)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = SignupRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signup, created = services.sign_up(
            event, volunteer, at=timezone.now(), risk_acknowledged=body.validated_data["risk_acknowledged"]
        )
        return Response(
            SignupSerializer(signup).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses=SignupSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[permissions.IsAuthenticated, RunsEvents])
    def signups(self, request, pk=None) -> Response:
        event = self.get_object()
        signups = event.signups.select_related("volunteer__user", "event").order_by("status", "queued_at", "id")
        page = self.paginate_queryset(signups)
        return self.get_paginated_response(SignupSerializer(page, many=True).data)

    @extend_schema(parameters=[CheckinCodeQuerySerializer], responses=CodeSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path="checkin-code",
        permission_classes=[permissions.IsAuthenticated, RunsEvents],
    )
    def checkin_code(self, request, pk=None) -> Response:
        """The current rotating code for the venue screen, as a token, URL and QR code."""
        event = self.get_object()
        query = CheckinCodeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        token = make_event_code(event.pk, query.validated_data["action"], now)
        url = checkin_url(token)
        body = {"token": token, "url": url, "expires_at": expires_at(now), "qr_svg": qr_svg(url)}
        return Response(CodeSerializer(body).data)

    @extend_schema(request=ScanSerializer, responses={200: ServiceRecordSerializer, 201: ServiceRecordSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, RunsEvents],
        throttle_scope="scan",
    )
    def scan(self, request, pk=None) -> Response:
        """Check a volunteer in or out from their personal code, scanned by a manager or a leader of the event."""
        event = self.get_object()
        serializer = ScanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, created = services.check_in_volunteer_code(
            event,
            serializer.validated_data["volunteer_token"],
            serializer.validated_data["action"],
            by=request.user,
            at=timezone.now(),
            context=scan_context(request),
            walk_in=serializer.validated_data["walk_in"],
        )
        body = ServiceRecordSerializer(record).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(methods=["get"], responses=ActivityRecordSerializer, summary="活动纪实（总结、服务对象人数和照片）")
    @extend_schema(
        methods=["put"],
        request=ActivityRecordWriteSerializer,
        responses=ActivityRecordSerializer,
        summary="填写活动纪实：总结和服务对象人数",
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path="activity-record",
        permission_classes=[permissions.IsAuthenticated, RunsEvents],
    )
    def activity_record(self, request, pk=None) -> Response:
        """The event's activity record (活动纪实), for those who run it only: the photos show residents."""
        event = self.get_object()
        if request.method == "PUT":
            body = ActivityRecordWriteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            activity.document_event(
                event,
                summary=body.validated_data["summary"],
                people_served=body.validated_data.get("people_served"),
                by=request.user,
            )
        return Response(ActivityRecordSerializer(activity_record_of(event)).data)

    @extend_schema(
        request={"multipart/form-data": ActivityPhotoUploadSerializer},
        responses={201: ActivityRecordSerializer},
        summary="上传活动照片（可多张；重新编码，去除位置等元数据）",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="activity-record/photos",
        permission_classes=[permissions.IsAuthenticated, RunsEvents],
        parser_classes=[MultiPartParser, FormParser],
        throttle_scope="photos",
    )
    def activity_photos(self, request, pk=None) -> Response:
        """Add one or several photos (JPEG, PNG, WebP, HEIC) to the event's activity record, all or none."""
        event = self.get_object()
        body = ActivityPhotoUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity.add_activity_photos(
            event, body.validated_data["photos"], by=request.user, caption=body.validated_data["caption"]
        )
        return Response(ActivityRecordSerializer(activity_record_of(event)).data, status=status.HTTP_201_CREATED)


def activity_record_of(event: Event) -> ActivityRecord:
    """The event's record with its photos, or an empty unsaved one."""
    record = ActivityRecord.objects.filter(event=event).prefetch_related("photos").first()
    return record or ActivityRecord(event=event)


class CheckInView(APIView):
    """A volunteer's phone posts the scanned event code here."""

    throttle_scope = "checkin"
    # One serializer for every answer: a ModelSerializer builds its fields anew for each
    # instance, which cost more CPU than the rest of the answer; to_representation keeps no
    # state between records, so sharing it (also between threads) answers the same JSON.
    answer = ServiceRecordSerializer()

    @extend_schema(request=CheckInSerializer, responses={200: ServiceRecordSerializer, 201: ServiceRecordSerializer})
    def post(self, request) -> Response:
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volunteer = own_volunteer(request.user)
        record, created = services.check_in_by_code(
            volunteer,
            serializer.validated_data["token"],
            at=timezone.now(),
            context=scan_context(request, serializer.validated_data),
            walk_in=serializer.validated_data["walk_in"],
        )
        body = self.answer.to_representation(record)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MyCheckinCodeView(APIView):
    """The volunteer's own rotating code, for a manager to scan."""

    @extend_schema(responses=CodeSerializer)
    def get(self, request) -> Response:
        volunteer = own_volunteer(request.user)
        now = timezone.now()
        token = make_volunteer_code(volunteer.pk, now)
        return Response(CodeSerializer({"token": token, "expires_at": expires_at(now), "qr_svg": qr_svg(token)}).data)


class ServiceRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Service records: volunteers see their own; managers review those of their subtree's events."""

    serializer_class = ServiceRecordSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    filterset_class = ServiceRecordFilter
    ordering_fields = ["checked_in_at", "credited_hours", "created_at"]

    def get_queryset(self):
        records = in_reach(ServiceRecord.objects, self.request)
        return records.select_related("event", "volunteer").order_by("-checked_in_at", "-id")

    @extend_schema(request=ManualRecordSerializer, responses={201: ServiceRecordSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        """Enter a record (补录) for someone who attended without scanning."""
        serializer = ManualRecordSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        record = services.create_manual_record(**serializer.validated_data, by=request.user)
        return Response(ServiceRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecordCorrectionSerializer, responses=ServiceRecordSerializer)
    def partial_update(self, request, pk=None) -> Response:
        """Correct the check-in or check-out time, with a reason kept in the history."""
        record = self.get_object()
        serializer = RecordCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.correct_record_times(record, by=request.user, **serializer.validated_data)
        return Response(ServiceRecordSerializer(record).data)

    @extend_schema(request=None, responses=ServiceRecordSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None) -> Response:
        return Response(ServiceRecordSerializer(services.approve_record(self.get_object(), by=request.user)).data)

    @extend_schema(request=RejectSerializer, responses=ServiceRecordSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None) -> Response:
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.reject_record(self.get_object(), by=request.user, reason=serializer.validated_data["reason"])
        return Response(ServiceRecordSerializer(record).data)

    @extend_schema(request=BulkApproveSerializer, responses=BulkApproveResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request) -> Response:
        """Approve many records at once; those that cannot be approved are listed by reason."""
        serializer = BulkApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        records = self.get_queryset().filter(pk__in=serializer.validated_data["ids"])
        outcome = services.bulk_approve(records, by=request.user)
        approved = outcome.pop("approved")
        found = {record_id for ids in outcome.values() for record_id in ids} | set(approved)
        missing = sorted(set(serializer.validated_data["ids"]) - found)
        if missing:
            outcome["not_found"] = missing
        return Response({"approved": approved, "skipped": outcome})

    @extend_schema(responses=RecordChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None) -> Response:
        record = self.get_object()
        changes = record.history.select_related("changed_by")
        return Response(RecordChangeSerializer(changes, many=True).data)


class RefusedScanViewSet(viewsets.ReadOnlyModelViewSet):
    """Refused scans of the manager's subtree, for fraud review."""

    serializer_class = RefusedScanSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filterset_class = RefusedScanFilter
    ordering_fields = ["at"]

    def get_queryset(self):
        return RefusedScan.objects.visible_to(self.request.user).select_related("volunteer", "event")


# --- Trainings, evaluations, correction requests, deadlines (志愿服务记录与证明出具办法 art. 8-13) ---


class TrainingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Trainings (办法 art. 8): managers enter them for an event's attendees or a list; volunteers see theirs."""

    serializer_class = TrainingSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]

    def get_queryset(self):
        # Counted in a subquery: a join would multiply with the scope's own join on attendees.
        attendees = Training.attendees.through.objects.filter(training=OuterRef("pk")).values("training")
        return (
            in_reach(Training.objects, self.request)
            .select_related("unit")
            .annotate(n_attendees=Subquery(attendees.annotate(n=Count("pk")).values("n")))
            .order_by("-held_on", "-id")
        )

    @extend_schema(request=TrainingSerializer, responses={201: TrainingSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        training = services.record_training(**serializer.validated_data, by=request.user)
        training = self.get_queryset().get(pk=training.pk)
        return Response(self.get_serializer(training).data, status=status.HTTP_201_CREATED)


class EvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Evaluations (办法 art. 10): the organising unit evaluates; a volunteer sees their own."""

    serializer_class = EvaluationSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]

    def get_queryset(self):
        return (
            Evaluation.objects.visible_to(self.request.user)
            .select_related("unit", "volunteer", "record__event")
            .order_by("-evaluated_on", "-id")
        )


class CorrectionRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Corrections a volunteer asks for (办法 art. 13); the organising unit approves or declines them."""

    serializer_class = CorrectionRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = CorrectionRequestFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        reading = self.action not in ("approve", "decline")
        requests = in_reach(CorrectionRequest.objects, self.request, reading=reading)
        return requests.select_related("event", "volunteer").order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs) -> Response:
        """A volunteer asks to correct one of their records (``record``) or to add a missing one (``event``)."""
        # Asking is what carries a photo; reading and deciding are not limited.
        throttle_photo_uploads(request, self)
        volunteer = own_volunteer(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        correction = services.ask_correction(volunteer, **serializer.validated_data)
        return Response(self.get_serializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CorrectionRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, IsManager])
    def approve(self, request, pk=None) -> Response:
        """Apply the request: the record changes, or is added, pending another person's approval."""
        correction = services.approve_correction(self.get_object(), by=request.user)
        return Response(self.get_serializer(correction).data)

    @extend_schema(request=DecisionSerializer, responses=CorrectionRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, IsManager])
    def decline(self, request, pk=None) -> Response:
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        correction = services.decline_correction(
            self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(correction).data)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def photo(self, request, pk=None) -> FileResponse:
        """The attached photo, to the volunteer and the unit's managers only (never under /media/)."""
        correction = self.get_object()
        if not correction.photo:
            raise NotFound(_("No photo was attached."))
        return FileResponse(correction.photo.open("rb"), content_type="image/jpeg")


class RecordDeadlineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Reviews and evaluations due under the 10-working-day rule (办法 art. 11), oldest first; ``?overdue=true``."""

    serializer_class = RecordDeadlineSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filterset_class = RecordDeadlineFilter

    def get_queryset(self):
        records = ServiceRecord.objects.managed_by(self.request.user)
        return due_records(records).select_related("event__unit", "volunteer").order_by("event__ends_at", "id")


JPEG_RESPONSE = {(200, "image/jpeg"): OpenApiTypes.BINARY}


class ActivityPhotoViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Activity photos: their files and their removal, for the event's managers only (never under /media/)."""

    queryset = ActivityPhoto.objects.none()
    serializer_class = ActivityPhotoSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filter_backends = []

    def get_queryset(self):
        return ActivityPhoto.objects.managed_by(self.request.user).select_related("record__event")

    @extend_schema(responses={204: None}, summary="删除活动照片")
    def destroy(self, request, *args, **kwargs) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: ActivityPhoto) -> None:
        user = self.request.user
        if not user.is_authenticated:  # IsAuthenticated lets nobody else this far
            raise NotAuthenticated
        activity.remove_activity_photo(instance, by=user)

    def _file(self, file) -> FileResponse:
        try:
            handle = file.open("rb")
        except OSError:
            raise NotFound() from None
        response = FileResponse(handle, content_type="image/jpeg")
        # Photos of residents: no shared cache keeps a copy.
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(responses=JPEG_RESPONSE, summary="查看活动照片")
    @action(detail=True, methods=["get"])
    def image(self, request, pk=None) -> FileResponse:
        return self._file(self.get_object().image)

    @extend_schema(responses=JPEG_RESPONSE, summary="查看活动照片缩略图")
    @action(detail=True, methods=["get"])
    def thumbnail(self, request, pk=None) -> FileResponse:
        return self._file(self.get_object().thumbnail)
