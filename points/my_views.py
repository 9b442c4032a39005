"""The volunteer's own points (API): balance, points expiring soon, entries in words."""

from dataclasses import asdict
from typing import cast

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.pagination import PageNumberPagination
from points.errors import PointsError
from points.my_serializers import MyPointsSerializer
from points.statement import Statement, StatementRow, summary_of
from volunteers.models import Volunteer


class MyPointsView(APIView):
    """The caller's own points: nobody reads another volunteer's here."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MyPointsSerializer)
    def get(self, request: Request) -> Response:
        volunteer = Volunteer.objects.of_user(request.user).first()
        if volunteer is None:
            raise PointsError("not_volunteer")
        summary = summary_of(volunteer, now=timezone.now())
        paginator = PageNumberPagination()
        # Statement pages like a queryset: a COUNT and one query for the page, whatever the entries.
        page = cast(list[StatementRow], paginator.paginate_queryset(Statement(summary.account), request, view=self))  # type: ignore[arg-type]
        entries = paginator.get_paginated_response([asdict(row) for row in page]).data
        body = {
            "balance": summary.balance,
            "expiring": summary.expiring,
            "expiring_on": summary.expiring_on,
            "frozen_reason": summary.frozen_reason,
            "entries": entries,
        }
        return Response(MyPointsSerializer(body).data)
