"""The forms of the service-order pages: what residents, managers and team leaders type.

They validate and shape input only; every step then goes through ``orders.services``,
whose OrderError is shown on the same form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedFormDateTimeField
from accounts.phones import normalize_phone, validate_mobile
from events.models import MAX_PEOPLE_SERVED
from events.photos import MAX_PHOTOS_PER_REQUEST, PhotoRejected, check_photo
from orders.models import Honorific, MenuItem
from stations.models import PracticeUnit
from volunteers.models import Team
from volunteers.names import normalize_name

MAX_COMPLETION_PHOTOS = MAX_PHOTOS_PER_REQUEST
STARS = [(str(n), str(n)) for n in range(5, 0, -1)]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def local_datetime_field(label) -> BoundedFormDateTimeField:
    return BoundedFormDateTimeField(
        label=label, widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class StationChoiceField(forms.ModelChoiceField):
    """A station, labelled with its township so that two villages of one name are told apart."""

    def label_from_instance(self, unit: PracticeUnit) -> str:
        return f"{unit.parent.name} · {unit.name}" if unit.parent else unit.name


class OrderForm(forms.Form):
    """点单: what a resident (or a manager on their behalf) asks for, for whom and where."""

    item = forms.ModelChoiceField(label=_("Service"), queryset=MenuItem.objects.none(), empty_label="—")
    contact_name = forms.CharField(
        label=_("Name of the person to serve"),
        max_length=30,
        help_text=_("Yourself, or the family member the service is for."),
    )
    honorific = forms.ChoiceField(
        label=_("Form of address"),
        choices=[("", "—"), *Honorific.choices],
        required=False,
        help_text=_("The public board shows only the surname with it, e.g. 张女士."),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"})
    )
    address = forms.CharField(label=_("Address"), max_length=200)
    description = forms.CharField(
        label=_("What is needed"),
        max_length=900,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preferred_time = forms.CharField(
        label=_("Preferred time"),
        max_length=80,
        required=False,
        help_text=_("For example: a weekday morning, or after 3 pm."),
    )
    # Checked from its header here; decoded only once the order is otherwise accepted (place_order).
    photo = forms.FileField(
        label=_("Photo (optional)"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def __init__(self, *args, items=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = (
            items if items is not None else MenuItem.objects.none()
        )

    def clean_contact_name(self) -> str:
        value = normalize_name(self.cleaned_data["contact_name"])
        if not value:
            raise ValidationError(_("This field is required."))
        return value

    def clean_photo(self) -> UploadedFile | None:
        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                check_photo(photo)
            except PhotoRejected as error:
                raise ValidationError(str(error)) from None
        return photo

    def clean_contact_phone(self) -> str:
        value = normalize_phone(self.cleaned_data["contact_phone"])
        validate_mobile(value)
        return value

    def clean_address(self) -> str:
        value = self.cleaned_data["address"].strip()
        if not value:
            raise ValidationError(_("This field is required."))
        return value

    def description_with_time(self) -> str:
        """The model keeps one description: the preferred time goes into it, on its own line."""
        text = self.cleaned_data.get("description", "").strip()
        when = self.cleaned_data.get("preferred_time", "").strip()
        if when:
            text = f"{text}\n{_('Preferred time')}：{when}".strip()
        return text


class OnBehalfOrderForm(OrderForm):
    """A manager enters an order for a resident who phoned, wrote or visited (热线、纸质单、走访)."""

    station = StationChoiceField(label=_("Resident's station"), queryset=PracticeUnit.objects.none(), empty_label="—")
    field_order = ["station", "item"]

    def __init__(self, *args, stations=None, **kwargs) -> None:
        super().__init__(*args, items=MenuItem.objects.filter(is_active=True), **kwargs)
        cast(forms.ModelChoiceField, self.fields["station"]).queryset = (
            stations if stations is not None else PracticeUnit.objects.none()
        )
        self.fields["contact_name"].help_text = ""
        self.fields["item"].help_text = _("Only the services on the menu of the chosen station are accepted.")


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept for dispatch")), ("refuse", _("Do not accept"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required when not accepting: the resident reads it."),
    )

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("A reason is required."))
        return cleaned


class DispatchForm(forms.Form):
    """派单 to one team, or open the order for the teams of a unit to claim (抢单)."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—")
    claim_unit = forms.ModelChoiceField(
        label=_("Or open for the teams of"), queryset=PracticeUnit.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, teams=None, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams if teams is not None else Team.objects.none()
        cast(forms.ModelChoiceField, self.fields["claim_unit"]).queryset = (
            units if units is not None else PracticeUnit.objects.none()
        )

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        if (cleaned.get("team") is None) == (cleaned.get("claim_unit") is None):
            raise ValidationError(_("Choose one team, or one unit whose teams may claim the order, not both."))
        return cleaned


class AppointmentForm(forms.Form):
    """接单: when and where the team meets to serve, as agreed with the resident."""

    starts_at = local_datetime_field(_("Agreed start"))
    ends_at = local_datetime_field(_("Agreed end"))
    place = forms.CharField(
        label=_("Meeting place"),
        max_length=200,
        required=False,
        help_text=_("Shown to the volunteers on the event: a meeting point, not the resident's home address."),
    )

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class ClaimForm(AppointmentForm):
    team = forms.ModelChoiceField(label=_("My team"), queryset=Team.objects.none(), empty_label=None)
    field_order = ["team", "starts_at", "ends_at", "place"]

    def __init__(self, *args, teams=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams if teams is not None else Team.objects.none()


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("The dispatching unit reads it and asks another team."),
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError(_("A reason is required."))
        return value


class CompletionForm(forms.Form):
    summary = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    people_served = forms.IntegerField(
        label=_("People served"), required=False, min_value=0, max_value=MAX_PEOPLE_SERVED
    )

    def clean_summary(self) -> str:
        value = self.cleaned_data["summary"].strip()
        if not value:
            raise ValidationError(_("This field is required."))
        return value


class RatingForm(forms.Form):
    """评单: 1 to 5 stars on response, attitude and result, and an optional comment."""

    response = forms.TypedChoiceField(
        label=_("Response"), choices=STARS, coerce=int, widget=forms.RadioSelect, help_text=_("How quickly it came.")
    )
    attitude = forms.TypedChoiceField(label=_("Attitude"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    result = forms.TypedChoiceField(label=_("Result"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MenuStationForm(forms.Form):
    """Where the resident lives: the menu and the order are that station's."""

    station = StationChoiceField(label=_("Where you live"), queryset=PracticeUnit.objects.none(), empty_label="—")

    def __init__(self, *args, stations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["station"]).queryset = (
            stations if stations is not None else PracticeUnit.objects.none()
        )
