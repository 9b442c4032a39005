from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.bounded_fields import BoundedDateTimeField
from accounts.phones import mask_phone, normalize_phone, validate_mobile
from events.photos import MAX_PHOTOS_PER_REQUEST, PhotoRejected, check_photo, check_photos
from orders.models import (
    MAX_DEADLINE_WORKING_DAYS,
    Honorific,
    MenuCategory,
    MenuItem,
    Order,
    OrderChange,
    Rating,
    TeamDecline,
)
from orders.services import meeting_place_warnings, rating_closes_at
from stations.models import Level, PracticeUnit
from stations.scoping import is_under
from volunteers.models import Team, Volunteer
from volunteers.names import normalize_name


def _visible(request, model):
    """Related rows a write may name: those the caller may see, so others fail like unknown ids."""
    if request is None:
        return model.objects.none()
    return model.objects.visible_to(request.user)


class MenuCategorySerializer(serializers.ModelSerializer):
    center = serializers.PrimaryKeyRelatedField(queryset=PracticeUnit.objects.none(), label=_("center"))

    class Meta:
        model = MenuCategory
        fields = ["id", "center", "name", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["center"].queryset = PracticeUnit.objects.managed_by(request.user).filter(level=Level.CENTER)


class MenuItemSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=MenuCategory.objects.all(), label=_("category"))
    unit = serializers.PrimaryKeyRelatedField(queryset=PracticeUnit.objects.none(), label=_("offered by"))
    category_name = serializers.CharField(source="category.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    levels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = MenuItem
        fields = [
            "id",
            "category",
            "category_name",
            "unit",
            "unit_name",
            "name",
            "description",
            "event_category",
            "center_teams",
            "institute_teams",
            "station_teams",
            "levels",
            "review_days",
            "dispatch_days",
            "accept_days",
            "complete_days",
            "is_active",
        ]
        extra_kwargs = {
            name: {"max_value": MAX_DEADLINE_WORKING_DAYS}
            for name in ("review_days", "dispatch_days", "accept_days", "complete_days")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["unit"].queryset = PracticeUnit.objects.managed_by(request.user)

    def validate(self, attrs: dict) -> dict:
        category = attrs.get("category") or getattr(self.instance, "category", None)
        unit = attrs.get("unit") or getattr(self.instance, "unit", None)
        if category is not None and unit is not None and not is_under(unit, category.center):
            raise serializers.ValidationError({"category": [_("Choose a category of the unit's own center.")]})
        levels = [
            attrs.get(name, getattr(self.instance, name, True))
            for name in ("center_teams", "institute_teams", "station_teams")
        ]
        if not any(levels):
            raise serializers.ValidationError({"station_teams": [_("Teams of at least one level must take it.")]})
        return attrs


class RatingSerializer(serializers.ModelSerializer):
    score = serializers.FloatField(read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "order", "response", "attitude", "result", "score", "comment", "rated_at"]
        read_only_fields = ["id", "order", "score", "rated_at"]
        extra_kwargs = {name: {"min_value": 1, "max_value": 5} for name in ("response", "attitude", "result")}


class OrderSerializer(serializers.ModelSerializer):
    """An order as its viewer may see it: the resident's phone and address only to those
    who need them (志愿服务条例 art. 21), masked to everyone else."""

    item_name = serializers.CharField(source="item.name", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    contact_visible = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    has_photo = serializers.SerializerMethodField()
    rating_closes_at = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    project_name = serializers.CharField(source="project.name", read_only=True, default=None)

    class Meta:
        model = Order
        fields = [
            "id",
            "item",
            "item_name",
            "station",
            "station_name",
            "handling_unit",
            "handling_unit_name",
            "contact_name",
            "honorific",
            "contact_phone",
            "address",
            "contact_visible",
            "description",
            "has_photo",
            "state",
            "state_display",
            "team",
            "team_name",
            "claim_unit",
            "starts_at",
            "ends_at",
            "place",
            "event",
            "due_on",
            "overdue",
            "escalation_level",
            "created_at",
            "accepted_at",
            "completed_at",
            "closed_at",
            "rating_closes_at",
            "rating",
            "project",
            "project_name",
        ]
        read_only_fields = fields

    def _sees_contact(self, order: Order) -> bool:
        return bool(getattr(order, "contact_visible", False))

    def get_contact_visible(self, order: Order) -> bool:
        return self._sees_contact(order)

    def get_contact_name(self, order: Order) -> str:
        return order.contact_name if self._sees_contact(order) else order.masked_name

    def get_contact_phone(self, order: Order) -> str:
        return order.contact_phone if self._sees_contact(order) else mask_phone(order.contact_phone)

    def get_address(self, order: Order) -> str:
        return order.address if self._sees_contact(order) else ""

    def get_has_photo(self, order: Order) -> bool:
        return bool(order.photo)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_rating_closes_at(self, order: Order) -> str | None:
        closes = rating_closes_at(order)
        return serializers.DateTimeField().to_representation(closes) if closes else None

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, order: Order) -> dict | None:
        rating = getattr(order, "rating", None)
        return RatingSerializer(rating).data if rating is not None else None


class OrderCreateSerializer(serializers.Serializer):
    """A resident's order, or one a station's manager enters on a resident's behalf."""

    item = serializers.PrimaryKeyRelatedField(queryset=MenuItem.objects.filter(is_active=True), label=_("service"))
    station = serializers.PrimaryKeyRelatedField(
        queryset=PracticeUnit.objects.filter(level=Level.STATION, is_active=True), label=_("station")
    )
    contact_name = serializers.CharField(label=_("contact name"), max_length=30)
    honorific = serializers.ChoiceField(
        label=_("form of address"), choices=Honorific.choices, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(label=_("contact phone"), max_length=20)
    address = serializers.CharField(label=_("address"), max_length=200)
    description = serializers.CharField(label=_("description"), max_length=1000, required=False, allow_blank=True)
    # Checked from its header here; decoded only once the order is otherwise accepted (place_order).
    photo = serializers.FileField(label=_("photo"), required=False, allow_null=True)
    on_behalf = serializers.BooleanField(
        label=_("entered on a resident's behalf"),
        required=False,
        default=False,
        help_text=_("A station's manager enters the order for a resident who phoned, wrote or visited."),
    )

    def validate_contact_name(self, value: str) -> str:
        value = normalize_name(value)
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_contact_phone(self, value: str) -> str:
        value = normalize_phone(value)
        try:
            validate_mobile(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def validate_photo(self, photo):
        if photo is not None:
            try:
                check_photo(photo)
            except PhotoRejected as error:
                raise serializers.ValidationError(str(error)) from None
        return photo


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField(label=_("accept"))
    reason = serializers.CharField(label=_("reason"), max_length=200, required=False, allow_blank=True, default="")


class DispatchSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), required=False, allow_null=True)
    claim_unit = serializers.PrimaryKeyRelatedField(
        queryset=PracticeUnit.objects.none(), required=False, allow_null=True, label=_("open for claiming within")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["team"].queryset = _visible(request, Team)
        if request is not None:
            self.fields["claim_unit"].queryset = PracticeUnit.objects.managed_by(request.user)


class AppointmentSerializer(serializers.Serializer):
    starts_at = BoundedDateTimeField(label=_("agreed start"))
    ends_at = BoundedDateTimeField(label=_("agreed end"))
    place = serializers.CharField(label=_("meeting place"), max_length=200, required=False, allow_blank=True)
    members = serializers.PrimaryKeyRelatedField(
        queryset=Volunteer.objects.none(), many=True, required=False, label=_("serving members")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Members of the teams the caller leads: any other id fails like an unknown one.
            led = Team.objects.filter(leader__user=request.user)
            people = Volunteer.objects.filter(Q(teams__in=led) | Q(led_teams__in=led)).distinct()
            self.fields["members"].child_relation.queryset = people

    def validate(self, attrs: dict) -> dict:
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": [_("The end must be after the start.")]})
        return attrs


class OrderWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class AcceptedOrderSerializer(OrderSerializer):
    """The order as the leader accepted or claimed it, with what they should check (never a refusal)."""

    warnings = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(OrderWarningSerializer(many=True))
    def get_warnings(self, order: Order) -> list[dict]:
        return [{"code": code, "detail": str(detail)} for code, detail in meeting_place_warnings(order).items()]


class ClaimSerializer(AppointmentSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none(), label=_("team"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["team"].queryset = Team.objects.filter(leader__user=request.user)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=200)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), max_length=200, required=False, allow_blank=True, default="")


class CompletionSerializer(serializers.Serializer):
    summary = serializers.CharField(label=_("summary"), max_length=5000)
    people_served = serializers.IntegerField(
        label=_("people served"), min_value=0, max_value=1_000_000, required=False, allow_null=True
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        label=_("photos"),
        required=False,
        max_length=MAX_PHOTOS_PER_REQUEST,
        default=list,
    )

    def validate_photos(self, photos: list) -> list:
        try:
            check_photos(photos)
        except PhotoRejected as error:
            raise serializers.ValidationError(str(error)) from None
        return photos


class OrderChangeSerializer(serializers.ModelSerializer):
    from_state_display = serializers.CharField(source="get_from_state_display", read_only=True)
    to_state_display = serializers.CharField(source="get_to_state_display", read_only=True)
    changed_by_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)

    class Meta:
        model = OrderChange
        fields = [
            "id",
            "action",
            "from_state",
            "from_state_display",
            "to_state",
            "to_state_display",
            "changed_by_name",
            "changed_at",
            "team",
            "team_name",
            "unit",
            "unit_name",
            "reason",
        ]

    def get_changed_by_name(self, change: OrderChange) -> str:
        # A name, never the login phone: the history is read by residents and teams alike.
        return change.changed_by.name if change.changed_by else ""


class TeamDeclineSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = TeamDecline
        fields = ["id", "team", "team_name", "reason", "declined_at"]


class BoardEntrySerializer(serializers.ModelSerializer):
    """A completed order on the public notice board (公示): no phone, no address, the resident masked."""

    item_name = serializers.CharField(source="item.name")
    area = serializers.CharField(source="station.name")
    team_name = serializers.CharField(source="team.name", default="")
    resident = serializers.SerializerMethodField()
    completed_on = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    rated = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "item_name", "area", "team_name", "resident", "completed_on", "rated", "score"]

    def get_resident(self, order: Order) -> str:
        return order.masked_name

    def get_completed_on(self, order: Order) -> str:
        from django.utils import timezone

        return f"{timezone.localdate(order.completed_at):%Y-%m-%d}"

    def get_rated(self, order: Order) -> bool:
        return getattr(order, "rating", None) is not None

    def get_score(self, order: Order) -> float | None:
        rating = getattr(order, "rating", None)
        return rating.score if rating is not None else None


class BoardQuerySerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=PracticeUnit.objects.all(), label=_("unit"))


class StatisticsQuerySerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=PracticeUnit.objects.all(), required=False, label=_("unit"))
    date_from = serializers.DateField(required=False, label=_("ordered on or after"))
    date_to = serializers.DateField(required=False, label=_("ordered on or before"))


class ResidentRegistrationSerializer(serializers.Serializer):
    """A resident's light account: a name, a mobile number and a password, no volunteer profile."""

    name = serializers.CharField(label=_("name"), max_length=30)
    phone = serializers.CharField(label=_("mobile number"), max_length=20)
    password = serializers.CharField(label=_("password"), write_only=True, style={"input_type": "password"})
    consent = serializers.BooleanField(
        label=_("consent to personal information processing"),
        write_only=True,
        help_text=_("Must be true: the resident agrees to the processing of their contact details for their orders."),
    )

    def validate_name(self, value: str) -> str:
        value = normalize_name(value)
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_phone(self, value: str) -> str:
        value = normalize_phone(value)
        try:
            validate_mobile(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("An account needs your consent to the processing of your details."))
        return value

    def validate(self, attrs: dict) -> dict:
        user = get_user_model()(phone=attrs["phone"], name=attrs["name"])
        try:
            validate_password(attrs["password"], user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages}) from None
        # Only a form valid in every other respect learns whether the number is taken.
        if get_user_model().objects.filter(phone=attrs["phone"]).exists():
            raise serializers.ValidationError({"phone": [_("This mobile number is already registered.")]})
        return attrs


class ResidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
