"""Offline scanning in the API: scanner devices, a scanner's pack and uploads, the review queue.

A scanner's calls (ping, pack, upload) carry ``X-Scanner-Device: <id>.<secret>`` beside the
manager's own login, and ``X-Device-Time`` (the phone's clock, ISO 8601) for the clock estimate.
A revoked device is answered 410 ``{"wipe": true}`` on every such call, logged in or not: the
page then erases what it stored.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from events.models import Event, OfflineScan, ScannerDevice
from events.offline_scanning import (
    OfflineScanError,
    device_from_header,
    offline_pack,
    register_device,
    resolve_conflict,
    revoke_device,
    shown_names,
)
from events.offline_serializers import (
    DEVICE_TIME_BOUND,
    OfflineScanFilter,
    OfflineScanSerializer,
    PackSerializer,
    PingSerializer,
    RegisteredDeviceSerializer,
    ResolveSerializer,
    ScannerDeviceFilter,
    ScannerDeviceSerializer,
    UploadResultSerializer,
    UploadSerializer,
    reason_text,
)
from stations.permissions import IsManager

# A scan takes well under this many bytes of JSON (its code at most 200 characters): a larger
# body is not an honest upload of OFFLINE_UPLOAD_MAX_SCANS scans.
BYTES_PER_SCAN = 1024

DEVICE_HEADERS = [
    OpenApiParameter(
        "X-Scanner-Device", str, OpenApiParameter.HEADER, required=True, description="<device id>.<secret>"
    ),
    OpenApiParameter("X-Device-Time", str, OpenApiParameter.HEADER, description="The phone's clock, ISO 8601"),
]


class ScannerDeviceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Phones registered to scan offline: a manager registers them for units they manage and sees
    those of their subtree; a manager of the device's unit or above revokes one."""

    serializer_class = ScannerDeviceSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filterset_class = ScannerDeviceFilter
    ordering_fields = ["registered_at", "last_seen_at", "refused_uploads"]

    def get_queryset(self):
        return (
            ScannerDevice.objects.visible_to(self.request.user)
            .select_related("unit", "registered_by", "revoked_by")
            .order_by("-registered_at", "-id")
        )

    @extend_schema(request=ScannerDeviceSerializer, responses={201: RegisteredDeviceSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Register a phone; the answer carries its secret, shown this once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, secret = register_device(
            serializer.validated_data["unit"], serializer.validated_data["name"], by=cast(User, request.user)
        )
        device.secret = secret  # type: ignore[attr-defined]  # answered once, never stored
        return Response(RegisteredDeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ScannerDeviceSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        device = revoke_device(self.get_object(), by=cast(User, request.user), at=timezone.now())
        return Response(self.get_serializer(device).data)


def device_clock(request: Request, now: datetime.datetime) -> datetime.datetime | None:
    """The phone's clock from ``X-Device-Time``, if it reads as a time near the server's.

    Only a clock sample: a missing or absurd value is left out, never a refusal.
    """
    text = request.META.get("HTTP_X_DEVICE_TIME", "")[:40]
    try:
        value = parse_datetime(text) if text else None
    except ValueError:
        return None
    if value is None or timezone.is_naive(value) or abs(value - now) > DEVICE_TIME_BOUND:
        return None
    return value


class ScannerView(APIView):
    """A call from a scanner device: the user's login and the device's header, both checked.

    A revoked device is told to wipe before anything else (its contact counted); any other
    problem with the header is answered only once the user is known to be logged in.
    """

    permission_classes = [permissions.IsAuthenticated]
    device: ScannerDevice

    def initial(self, request: Request, *args, **kwargs) -> None:
        header = request.META.get("HTTP_X_SCANNER_DEVICE", "")
        try:
            device = device_from_header(header, at=timezone.now())
        except OfflineScanError as error:
            if error.code == "device_revoked":
                raise
            super().initial(request, *args, **kwargs)
            raise
        super().initial(request, *args, **kwargs)
        self.device = device

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, OfflineScanError) and exc.code == "device_revoked":
            return Response({"code": exc.code, "wipe": True, "detail": exc.detail}, status=exc.status_code)
        return super().handle_exception(exc)

    def note_clock(self, request: Request, now: datetime.datetime) -> None:
        device_time = device_clock(request, now)
        if device_time is not None:
            from events import offline_merge

            offline_merge.note_clock(self.device, device_time, now)


class ScannerPingView(ScannerView):
    """The device's own state and the server's time: the page's check that it is online and not revoked."""

    throttle_scope = "scan"

    @extend_schema(parameters=DEVICE_HEADERS, responses=PingSerializer)
    def get(self, request: Request) -> Response:
        now = timezone.now()
        self.note_clock(request, now)
        device = {"id": self.device.pk, "name": self.device.name, "unit": self.device.unit_id}
        return Response({"device": device, "server_time": now})


class ScannerPackView(ScannerView):
    """What the scanner stores to judge an event's scans offline (masked names, public keys, revoked cards)."""

    throttle_scope = "scan"

    @extend_schema(parameters=DEVICE_HEADERS, responses=PackSerializer)
    def get(self, request: Request, pk: int) -> Response:
        event = get_object_or_404(Event.objects.run_by(request.user).select_related("unit"), pk=pk)
        now = timezone.now()
        pack = offline_pack(self.device, event, now=now)
        self.note_clock(request, now)
        return Response(pack)


class ScannerUploadView(ScannerView):
    """Scans a device made offline, stored once per nonce and merged into attendance
    (events.offline_merge); answered per nonce with what became of each."""

    throttle_scope = "offline_upload"

    @extend_schema(parameters=DEVICE_HEADERS, request=UploadSerializer, responses=UploadResultSerializer)
    def post(self, request: Request) -> Response:
        limit = (settings.OFFLINE_UPLOAD_MAX_SCANS + 1) * BYTES_PER_SCAN
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return Response(
                {"code": "too_large", "detail": _("The upload is too large: send the scans in smaller batches.")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        serializer = UploadSerializer(data=request.data, context={"request": request, "device": self.device})
        serializer.is_valid(raise_exception=True)
        from events import offline_merge

        incoming = [
            offline_merge.IncomingScan(
                nonce=scan["nonce"],
                counter=scan["counter"],
                event_id=scan["event"],
                code=scan["code"],
                action=scan["action"],
                walk_in=scan["walk_in"],
                device_time=scan["device_time"],
            )
            for scan in serializer.validated_data["scans"]
        ]
        now = timezone.now()
        result = offline_merge.receive(
            self.device, incoming, by=cast(User, request.user), sent_at=serializer.validated_data["sent_at"], now=now
        )
        names = shown_names(result.scans)
        answer = {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "clock_offset_ms": result.clock_offset_ms,
            "results": [
                {
                    "nonce": scan.nonce,
                    "outcome": scan.outcome,
                    "reason": scan.reason,
                    "reason_text": reason_text(scan.reason),
                    "record": scan.record_id,
                    "scanned_at": scan.scanned_at,
                    "name": names.get((scan.event_id, scan.volunteer_id), "") if scan.volunteer_id else "",
                }
                for scan in result.scans
            ],
        }
        return Response(UploadResultSerializer(answer).data)


class OfflineScanViewSet(viewsets.ReadOnlyModelViewSet):
    """Offline scans of the manager's subtree; those the merge refused wait here for a second person."""

    serializer_class = OfflineScanSerializer
    permission_classes = [permissions.IsAuthenticated, IsManager]
    filterset_class = OfflineScanFilter
    ordering_fields = ["scanned_at", "uploaded_at", "device_time"]

    def get_serializer(self, *args, **kwargs):
        # The names shown for a page of scans, read once for the page (shown_names: three queries).
        if args and "names" not in kwargs.get("context", {}):
            scans = list(args[0]) if kwargs.get("many") else [args[0]]
            kwargs["context"] = {**self.get_serializer_context(), "names": shown_names(scans, viewer=self.request.user)}
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        return (
            OfflineScan.objects.visible_to(self.request.user)
            .select_related("device", "event", "volunteer", "scanned_by", "reviewed_by")
            .order_by("-uploaded_at", "-id")
        )

    def _resolve(self, request: Request, *, accept: bool) -> Response:
        scan = self.get_object()
        serializer = ResolveSerializer(data=request.data, context={"accept": accept})
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        resolve_conflict(scan, accept=accept, note=note, by=cast(User, request.user), now=timezone.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=scan.pk)).data)

    @extend_schema(request=ResolveSerializer, responses=OfflineScanSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a refused scan (with a note): its attendance is rebuilt as if the rule had allowed it."""
        return self._resolve(request, accept=True)

    @extend_schema(request=ResolveSerializer, responses=OfflineScanSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Dismiss a refused scan: it stays on file and credits nothing."""
        return self._resolve(request, accept=False)
