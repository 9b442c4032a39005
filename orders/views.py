from django.db.models import Q
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from events.photos import throttle_photo_uploads
from orders import services
from orders.filters import MenuItemFilter, OrderFilter
from orders.models import ContactView, MenuCategory, MenuItem, Order, Rating
from orders.serializers import (
    AcceptedOrderSerializer,
    AppointmentSerializer,
    BoardEntrySerializer,
    BoardQuerySerializer,
    CancelSerializer,
    ClaimSerializer,
    CompletionSerializer,
    DispatchSerializer,
    MenuCategorySerializer,
    MenuItemSerializer,
    OrderChangeSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    RatingSerializer,
    ReasonSerializer,
    ResidentRegistrationSerializer,
    ResidentSerializer,
    ReviewSerializer,
    StatisticsQuerySerializer,
)
from orders.statistics import DONE, order_statistics
from stations.models import PracticeUnit
from stations.permissions import IsManager, IsManagerOrReadOnly


class MenuCategoryViewSet(viewsets.ModelViewSet):
    """The headings of the centers' menus: anyone reads them, the center's managers keep them."""

    queryset = MenuCategory.objects.none()
    serializer_class = MenuCategorySerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_fields = ["center"]
    ordering_fields = ["position", "name"]

    def get_queryset(self):
        if self.request.method in permissions.SAFE_METHODS:
            categories = MenuCategory.objects.all()
        else:
            categories = MenuCategory.objects.managed_by(self.request.user)
        return categories.select_related("center").order_by("center", "position", "id")


class MenuItemViewSet(viewsets.ModelViewSet):
    """The menu (需求清单): anyone reads what is offered (``?unit=`` a station: what its residents
    may order); the center's managers keep its items, a station's managers its local ones."""

    queryset = MenuItem.objects.none()
    serializer_class = MenuItemSerializer
    permission_classes = [IsManagerOrReadOnly]
    filterset_class = MenuItemFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        user = self.request.user
        if self.request.method in permissions.SAFE_METHODS:
            items = MenuItem.objects.filter(
                Q(is_active=True) | Q(pk__in=MenuItem.objects.managed_by(user).values("pk"))
            )
        else:
            items = MenuItem.objects.managed_by(user)
        return items.select_related("category", "unit").order_by("category__position", "category_id", "name", "id")


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service orders: residents place and follow their own, managers review, dispatch and close
    those their units handle, team leaders accept, decline, claim, serve and report."""

    queryset = Order.objects.none()
    serializer_class = OrderSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "due_on", "state", "completed_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scope: str | None = None  # named by the throttled action

    def get_queryset(self):
        orders = Order.objects.visible_to(self.request.user)
        return orders.with_contact_visibility(self.request.user).order_by("-created_at", "-id")

    def _shown(self, orders) -> None:
        """A team leader shown residents' contacts leaves a line in the access log (ContactView)."""
        services.note_contact_views(orders, self.request.user, via=ContactView.Via.API)

    def list(self, request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        self._shown(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs) -> Response:
        order = self.get_object()
        self._shown([order])
        return Response(self.get_serializer(order).data)

    def _answer(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        order = Order.objects.filter(pk=order.pk).with_contact_visibility(self.request.user).get()
        self._shown([order])
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, status=code)

    def _accepted(self, order: Order) -> Response:
        """The order just taken, with the warnings about its meeting place for the leader."""
        order = Order.objects.filter(pk=order.pk).with_contact_visibility(self.request.user).get()
        self._shown([order])
        return Response(AcceptedOrderSerializer(order, context=self.get_serializer_context()).data)

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer}, summary="群众点单")
    def create(self, request, *args, **kwargs) -> Response:
        """Order a service from a station's menu, or (``on_behalf``) enter one for a resident."""
        throttle_photo_uploads(request, self)  # the order's photo
        serializer = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order = services.place_order(**serializer.validated_data, by=request.user)
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer, summary="撤销点单（接单前）")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        order = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.cancel_order(order, by=request.user, **body.validated_data))

    @extend_schema(request=ReviewSerializer, responses=OrderSerializer, summary="审单（受理或不予受理）")
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None) -> Response:
        order = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.review_order(order, by=request.user, **body.validated_data))

    @extend_schema(request=DispatchSerializer, responses=OrderSerializer, summary="派单给服务队或开放抢单")
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request, pk=None) -> Response:
        order = self.get_object()
        # Before the body: its team and unit are looked up within the caller's reach.
        services.require_handler(order, request.user)
        body = DispatchSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return self._answer(services.dispatch_order(order, by=request.user, **body.validated_data))

    @extend_schema(request=AppointmentSerializer, responses=AcceptedOrderSerializer, summary="服务队接单")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None) -> Response:
        """Accept the order for the agreed time and meeting place; ``warnings`` names a place
        that looks like the resident's home (``place_looks_like_home``)."""
        order = self.get_object()
        body = AppointmentSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        order = services.accept_order(order, _appointment(body.validated_data), by=request.user)
        return self._accepted(order)

    @extend_schema(request=ClaimSerializer, responses=AcceptedOrderSerializer, summary="服务队抢单")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None) -> Response:
        """Claim an open order for one of my teams; ``warnings`` as for ``accept``."""
        order = self.get_object()
        body = ClaimSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        team = body.validated_data.pop("team")
        order = services.claim_order(order, team, _appointment(body.validated_data), by=request.user)
        return self._accepted(order)

    @extend_schema(request=ReasonSerializer, responses=OrderSerializer, summary="服务队说明理由后谢绝")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None) -> Response:
        order = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.decline_order(order, by=request.user, **body.validated_data))

    @extend_schema(request=None, responses=OrderSerializer, summary="开始服务")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None) -> Response:
        return self._answer(services.start_service(self.get_object(), by=request.user))

    @extend_schema(request=CompletionSerializer, responses=OrderSerializer, summary="报告服务完成（活动纪实）")
    @action(detail=True, methods=["post"], throttle_scope="photos")
    def complete(self, request, pk=None) -> Response:
        order = self.get_object()
        body = CompletionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.complete_order(order, by=request.user, **body.validated_data))

    @extend_schema(request=RatingSerializer, responses={201: RatingSerializer}, summary="群众评单")
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None) -> Response:
        order = self.get_object()
        body = RatingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rating = services.rate_order(order, by=request.user, **body.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OrderSerializer, summary="办结")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None) -> Response:
        return self._answer(services.close_order(self.get_object(), by=request.user))

    @extend_schema(responses=OrderChangeSerializer(many=True), summary="订单流转记录")
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None) -> Response:
        changes = self.get_object().history.select_related("changed_by", "team", "unit")
        return Response(OrderChangeSerializer(changes, many=True).data)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY}, summary="查看点单照片")
    @action(detail=True, methods=["get"])
    def photo(self, request, pk=None) -> FileResponse:
        """The resident's photo: it may show their home, so only those who see their address get it."""
        order = self.get_object()
        if not order.photo or not order.contact_visible:
            raise NotFound(_("No photo was attached."))
        services.note_contact_views([order], request.user, via=ContactView.Via.PHOTO)
        response = FileResponse(order.photo.open("rb"), content_type="image/jpeg")
        # A photo of a resident's home, each read logged: no cache, shared or the browser's, keeps a copy.
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(responses=OrderSerializer(many=True), summary="本队待办订单（派给本队的和可抢的）")
    @action(detail=False, methods=["get"])
    def inbox(self, request) -> Response:
        """Orders offered to the teams I lead, and those they serve."""
        orders = Order.objects.offered_to_leader(request.user)
        orders = orders.with_contact_visibility(request.user).order_by("due_on", "created_at", "id")
        page = self.paginate_queryset(self.filter_queryset(orders))
        self._shown(page or [])
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        parameters=[BoardQuerySerializer],
        responses=BoardEntrySerializer(many=True),
        summary="服务公示（已完成的订单）",
    )
    @action(detail=False, methods=["get"], permission_classes=[permissions.AllowAny], filterset_class=None)
    def board(self, request) -> Response:
        """The public notice board (公示) of a unit's subtree: completed orders, the resident masked."""
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = query.validated_data["unit"]
        orders = (
            Order.objects.filter(state__in=DONE, station__in=PracticeUnit.objects.subtree_of(unit))
            .select_related("item", "station", "team", "rating")
            .order_by("-completed_at", "-id")
        )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(BoardEntrySerializer(page, many=True).data)

    @extend_schema(parameters=[StatisticsQuerySerializer], responses=OpenApiTypes.OBJECT, summary="点单统计")
    @action(detail=False, methods=["get"], permission_classes=[permissions.IsAuthenticated, IsManager])
    def statistics(self, request) -> Response:
        """Orders by state and item, response and completion times, completion and decline rates, satisfaction."""
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        orders = Order.objects.visible_to(request.user)
        unit = data.get("unit")
        if unit is not None:
            if not PracticeUnit.objects.managed_by(request.user).filter(pk=unit.pk).exists():
                raise NotFound()
            orders = orders.filter(station__in=PracticeUnit.objects.subtree_of(unit))
        if data.get("date_from"):
            orders = orders.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            orders = orders.filter(created_at__date__lte=data["date_to"])
        return Response(order_statistics(orders))


def _appointment(data: dict) -> services.Appointment:
    members = data.get("members")
    return services.Appointment(
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        place=data.get("place", ""),
        members=tuple(members) if members is not None else None,
    )


class RatingViewSet(viewsets.ReadOnlyModelViewSet):
    """Residents' ratings (评单) of the orders the caller may see."""

    queryset = Rating.objects.none()
    serializer_class = RatingSerializer
    permission_classes = [permissions.IsAuthenticated]
    ordering_fields = ["rated_at"]

    def get_queryset(self):
        return Rating.objects.visible_to(self.request.user).order_by("-rated_at", "-id")


class ResidentRegistrationView(APIView):
    """A resident's light account to order services: name, mobile number, password. Public, throttled."""

    permission_classes = [permissions.AllowAny]
    # Per client address, in one bucket with volunteers' registration (API and pages).
    throttle_scope = "register"

    @extend_schema(request=ResidentRegistrationSerializer, responses={201: ResidentSerializer}, summary="居民注册")
    def post(self, request) -> Response:
        serializer = ResidentRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.register_resident(name=data["name"], phone=data["phone"], password=data["password"])
        # The new resident is the viewer here: they see their own number.
        request.user = user
        return Response(ResidentSerializer(user).data, status=status.HTTP_201_CREATED)
