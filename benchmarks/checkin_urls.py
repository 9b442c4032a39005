"""The benchmark's URLs: production's, plus the "minimal check-in" that the full check-in's
cost is measured against. Never part of production's URLs."""

from django.db.models import Subquery
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.urls import urlpatterns as production
from events.checkin_codes import CodeError, read_event_code
from events.models import Method, ServiceRecord
from volunteers.models import Volunteer


class MinimalCheckInView(APIView):
    """Token authentication (production's), the signed code read, one INSERT; nothing else: no
    rule, no lock, no throttle, no answer beyond the new row's id."""

    def post(self, request) -> Response:
        now = timezone.now()
        try:
            code = read_event_code(str(request.data.get("token", ""))[:500], now)
        except CodeError as error:
            return Response({"token": error.code}, status=400)
        own = Volunteer.objects.filter(user_id=request.user.pk).values("pk")[:1]
        record = ServiceRecord(
            event_id=code.event_id, volunteer_id=Subquery(own), checked_in_at=now, method=Method.EVENT_QR
        )
        ServiceRecord.objects.bulk_create([record])
        return Response({"id": record.pk}, status=201)


urlpatterns = [path("bench/minimal-checkin/", MinimalCheckInView.as_view()), *production]
