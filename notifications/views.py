"""The person's own notifications: ``me/notifications/``, ``me/notification-choices/``,
``me/notification-address/`` and ``me/wechat-consents/``. Nobody reaches another person's rows."""

from __future__ import annotations

from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from notifications import choices, inbox
from notifications.models import Message, MessageQuerySet
from notifications.serializers import (
    AddressSerializer,
    ChoiceRowSerializer,
    ChoicesSerializer,
    ConsentCountSerializer,
    MarkedSerializer,
    MessageSerializer,
    UnreadCountSerializer,
    WechatConsentsSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="我的站内消息（最新在前）",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="只看未读")],
    )
)
class MyNotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MessageSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Message.objects.none()

    def get_queryset(self) -> MessageQuerySet:
        messages = inbox.inbox_of(self.request.user)
        if self.action == "list" and self.request.query_params.get("unread") in ("true", "1"):
            messages = messages.unread()
        return messages

    @extend_schema(summary="标记一条消息为已读", request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(inbox.mark_read(self.get_object())).data)

    @extend_schema(summary="全部标记为已读", request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": inbox.mark_all_read(request.user)})

    @extend_schema(summary="未读消息数", responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None, filter_backends=[])
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": inbox.inbox_of(request.user).unread().count()})


class MyChoicesView(APIView):
    """Which kinds of message reach the person on which channel: every kind × channel, as ``notify`` decides."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="我的通知选择（每类消息 × 每个渠道）", responses=ChoiceRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ChoiceRowSerializer(choices.choice_matrix(cast(User, request.user)), many=True).data)

    @extend_schema(
        summary="修改通知选择（只改所列的类别和渠道）",
        request=ChoicesSerializer,
        responses=ChoiceRowSerializer(many=True),
    )
    def put(self, request: Request) -> Response:
        serializer = ChoicesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        choices.save_choices(cast(User, request.user), serializer.validated_data["choices"])
        return self.get(request)


class MyAddressView(APIView):
    """The email messages go to, and whether WeChat is bound (the openid comes from the WeChat login)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="我的通知地址（邮箱、微信绑定）", responses=AddressSerializer)
    def get(self, request: Request) -> Response:
        return Response(AddressSerializer(choices.address_of(cast(User, request.user))).data)

    @extend_schema(summary="设置接收通知的邮箱", request=AddressSerializer, responses=AddressSerializer)
    def put(self, request: Request) -> Response:
        serializer = AddressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = choices.set_email(cast(User, request.user), serializer.validated_data["email"])
        return Response(AddressSerializer(address).data)


class MyWechatConsentsView(APIView):
    """What the mini program reports after wx.requestSubscribeMessage: the templates the person accepted."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="上报用户同意的微信订阅消息模板",
        request=WechatConsentsSerializer,
        responses={201: ConsentCountSerializer(many=True)},
    )
    def post(self, request: Request) -> Response:
        serializer = WechatConsentsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unused = choices.record_wechat_consents(cast(User, request.user), serializer.validated_data["template_ids"])
        rows = [{"template_id": template_id, "unused": count} for template_id, count in unused.items()]
        return Response(ConsentCountSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
