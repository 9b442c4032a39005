"""Trainings and evaluations (志愿服务记录与证明出具办法 art. 8 and 10) entered and corrected in the admin.

They go through what the API uses: a training through ``services.record_training``
(for the attendees of an event, or a chosen list), an evaluation through the API's
``EvaluationSerializer``. A manager reaches only their units' trainings and
evaluations; the volunteers, events and records offered (and accepted from a posted
form, whatever ids it names) are those of their units. Training lives in volunteers/,
but recording one for an event's attendees reads the events: so its admin is here,
above both, as the API's training view is.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.forms.utils import ErrorDict
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from events import services
from events.models import Evaluation, Event, RecordStatus, ServiceRecord
from events.serializers import EvaluationSerializer
from stations.admin import (
    SafeModelChoiceField,
    SafeModelMultipleChoiceField,
    ScopedAdmin,
    safe_pk,
    safe_pks,
    serializer_errors_to_form,
)
from stations.models import PracticeUnit
from stations.scoping import root_units
from volunteers.correction_history import NO_DELETION_HELP, CorrectionHistoryMixin
from volunteers.models import Training, Volunteer

# Django's Chinese catalog keeps a half-width colon after labels; ours says "：".
LABEL_SUFFIX = pgettext_lazy("label suffix", ":")

TRAINING_FIELDS = ["unit", "name", "content", "hours", "organiser", "held_on"]
LOAD_ATTENDEES = "_load_attendees"


class ManagedUnitFilter(admin.SimpleListFilter):
    """A unit among those the user manages (the default filter would list every unit)."""

    title = _("unit")
    parameter_name = "unit"
    field = "unit"

    def lookups(self, request, model_admin):
        units = PracticeUnit.objects.managed_by(request.user).order_by("path")
        return [(unit.pk, unit.name) for unit in units[:200]]

    def queryset(self, request, queryset):
        unit = safe_pk(self.value())
        if unit is not None:
            return queryset.filter(**{f"{self.field}_id": unit})
        return queryset


def sole_unit(user) -> PracticeUnit | None:
    """The unit a manager of exactly one subtree works for, to pre-select it."""
    roots = [] if user.is_superuser else root_units(user)
    return roots[0] if len(roots) == 1 else None


def attendees_of(event: Event | None) -> QuerySet[Volunteer]:
    """Who attended an event as the training service counts it: approved or pending records."""
    if event is None:
        return Volunteer.objects.none()
    attended = ServiceRecord.objects.filter(event=event, status__in=services.ATTENDED).values("volunteer_id")
    return Volunteer.objects.filter(pk__in=attended).order_by("real_name", "pk")


def event_defaults(request: HttpRequest, event: Event) -> dict[str, Any]:
    """What a training held as an event usually has in common with it; every value stays editable."""
    managed = PracticeUnit.objects.managed_by(request.user).filter(pk=event.unit_id).exists()
    unit = sole_unit(request.user)
    hours = Decimal((event.ends_at - event.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
    return {
        "unit": event.unit_id if managed else unit and unit.pk,
        "name": event.title,
        "organiser": event.unit.name,
        "held_on": timezone.localdate(event.starts_at).isoformat(),
        "hours": hours,
    }


def use_widget(field: forms.Field, widget: forms.Widget) -> None:
    """Put a search box on a form field once its rows are known (admin widgets need the site)."""
    widget.is_required = field.required
    widget.attrs.update(field.widget_attrs(widget))
    if isinstance(field, forms.ModelChoiceField):
        widget.choices = field.choices  # type: ignore[attr-defined]
    field.widget = widget


class EventPicker(AutocompleteSelect):
    """The event search box, with a button that lists the chosen event's attendees below.

    Enter in a text box presses the form's first submit button, which this one would be:
    the page's template puts a Save button before it (admin/volunteers/training/add_form.html).
    """

    def render(self, name, value, attrs=None, renderer=None):
        picker = super().render(name, value, attrs, renderer)
        return format_html(
            '{} <button type="submit" name="{}" value="1" class="button" id="load-attendees">{}</button>',
            picker,
            LOAD_ATTENDEES,
            gettext("List its attendees"),
        )


class TrainingAddForm(forms.ModelForm):
    """A new training: its attendees are an event's (ticked, untick who did not take part) and/or a chosen list."""

    request: AdminRequest
    event = SafeModelChoiceField(
        label=_("event"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_(
            "Choose the event the training was held at, then 「List its attendees」: everyone with an approved "
            "or pending service record is ticked."
        ),
    )
    event_attendees = SafeModelMultipleChoiceField(
        label=_("the event's attendees"),
        queryset=Volunteer.objects.none(),
        required=False,
        # The admin's list style for choices: a name per line, not squeezed into the label column.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),
    )
    volunteers = SafeModelMultipleChoiceField(
        label=_("other volunteers"),
        queryset=Volunteer.objects.none(),
        required=False,
        help_text=_("Volunteers of your units, found by name or volunteer number."),
    )

    class Meta:
        model = Training
        fields = TRAINING_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)
        user = self.request.user
        site = admin.site
        events = Event.objects.managed_by(user)
        event_field = cast(forms.ModelChoiceField, self.fields["event"])
        event_field.queryset = events
        use_widget(event_field, EventPicker(ServiceRecord._meta.get_field("event"), site))
        others = cast(forms.ModelMultipleChoiceField, self.fields["volunteers"])
        # The API's rule: a training's listed volunteers are those of the manager's units.
        others.queryset = Volunteer.objects.managed_by(user)
        use_widget(others, AutocompleteSelectMultiple(Training._meta.get_field("attendees"), site))
        chosen = safe_pk(self.data.get("event") if self.is_bound else self.initial.get("event"))
        self.chosen_event = events.filter(pk=chosen).first() if chosen is not None else None
        attendees = cast(forms.ModelMultipleChoiceField, self.fields["event_attendees"])
        attendees.queryset = attendees_of(self.chosen_event)
        # 「List its attendees」 shows the page again from what was posted (typed text never
        # goes into an address), with every attendee of the chosen event ticked.
        self.listing_attendees = self.is_bound and LOAD_ATTENDEES in self.data
        if self.chosen_event is None:
            attendees.help_text = _("Choose an event above to list its attendees.")
        elif not self.is_bound or self.listing_attendees:
            everyone = [str(pk) for pk in attendees.queryset.values_list("pk", flat=True)]
            attendees.initial = everyone
            if self.listing_attendees:
                data = cast(QueryDict, self.data).copy()
                data.setlist("event_attendees", everyone)
                for name, value in event_defaults(self.request, self.chosen_event).items():
                    if not data.get(name) and value:
                        data[name] = str(value)
                self.data = data
            if not everyone:
                attendees.help_text = services.RecordKeepingError("no_attendees").detail

    def full_clean(self) -> None:
        if self.listing_attendees:
            # Shown again to go on filling in: neither checked nor saved.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def is_valid(self) -> bool:
        return not self.listing_attendees and super().is_valid()

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # ModelForm.clean returns cleaned_data
        if self.errors:
            return cleaned
        chosen = set(cleaned.get("event_attendees") or []) | set(cleaned.get("volunteers") or [])
        if not chosen:
            if cleaned.get("event") is not None and not attendees_of(cleaned["event"]).exists():
                self.add_error("event", services.RecordKeepingError("no_attendees").detail)
            else:
                self.add_error("volunteers", gettext("Choose an event or at least one volunteer."))
        cleaned["attendee_set"] = sorted(chosen, key=lambda volunteer: volunteer.pk)
        return cleaned


class TrainingChangeForm(forms.ModelForm):
    """A correction: every field, the attendees too, within the manager's volunteers (and those already listed)."""

    request: AdminRequest

    class Meta:
        model = Training
        fields = [*TRAINING_FIELDS, "attendees"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)
        user = self.request.user
        field = cast(forms.ModelMultipleChoiceField, self.fields["attendees"])
        listed = Training.attendees.through.objects.filter(training=self.instance.pk).values("volunteer_id")
        field.queryset = Volunteer.objects.filter(
            Q(pk__in=Volunteer.objects.managed_by(user).values("pk")) | Q(pk__in=listed)
        )
        unit = cast(forms.ModelChoiceField, self.fields["unit"])
        # The unit it was entered for stays valid, as the API's ManagedUnitField keeps it.
        unit.queryset = PracticeUnit.objects.filter(
            Q(pk__in=PracticeUnit.objects.managed_by(user).values("pk")) | Q(pk=self.instance.unit_id)
        )


@admin.register(Training)
class TrainingAdmin(CorrectionHistoryMixin, ScopedAdmin):
    """Trainings (办法 art. 8): name, main content, duration, organiser, date; not service hours."""

    list_display = ["held_on", "name", "unit", "organiser", "hours", "attendee_count", "created_by"]
    list_filter = [ManagedUnitFilter, "held_on"]
    search_fields = ["name", "organiser", "content", "attendees__real_name", "attendees__number"]
    list_select_related = ["unit", "created_by"]
    date_hierarchy = "held_on"
    add_form_template = "admin/volunteers/training/add_form.html"
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["attendees"]

    def scoped_queryset(self, request):
        # Counted in a subquery: a join would multiply with a search on the attendees.
        attendees = Training.attendees.through.objects.filter(training=OuterRef("pk")).values("training")
        return Training.objects.managed_by(request.user).annotate(
            n_attendees=Subquery(attendees.annotate(n=Count("pk")).values("n"))
        )

    @admin.display(description=_("attendees"), ordering="n_attendees")
    def attendee_count(self, training: Training) -> int:
        return getattr(training, "n_attendees", None) or 0

    def has_delete_permission(self, request, obj=None) -> bool:
        # Corrected, not deleted; an admin may remove an entry made twice by mistake (logged too).
        return request.user.is_active and request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        training = (
            _("Training"),
            {"fields": TRAINING_FIELDS, "description": gettext("Training hours are not service hours.")},
        )
        if obj is None:
            return [(_("Who attended"), {"fields": ["event", "event_attendees", "volunteers"]}), training]
        return [
            training,
            (_("Who attended"), {"fields": ["attendees"]}),
            (_("Record"), {"fields": ["created_by", "created_at"], "description": NO_DELETION_HELP}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = TrainingChangeForm if obj is not None else TrainingAddForm
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_changeform_initial_data(self, request) -> dict:
        """A link's ?event= (its attendees ticked, its title and times as the training's) and ?volunteers=1,2."""
        initial: dict[str, Any] = {
            key: value for key, value in super().get_changeform_initial_data(request).items() if key in TRAINING_FIELDS
        }
        if "volunteers" in request.GET:
            initial["volunteers"] = safe_pks(request.GET["volunteers"].split(","))
        chosen = safe_pk(request.GET.get("event"))
        events = Event.objects.managed_by(request.user).select_related("unit")
        event = events.filter(pk=chosen).first() if chosen is not None else None
        if event is not None:
            initial["event"] = event.pk
            for name, value in event_defaults(request, event).items():
                initial.setdefault(name, value)
        else:
            unit = sole_unit(request.user)
            if unit is not None:
                initial.setdefault("unit", unit.pk)
        return initial

    def save_model(self, request, obj: Training, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        training = services.record_training(
            unit=obj.unit,
            name=obj.name,
            content=obj.content,
            hours=obj.hours,
            organiser=obj.organiser,
            held_on=obj.held_on,
            by=request.user,
            volunteers=form.cleaned_data["attendee_set"],
        )
        # The admin goes on with its own object (the log entry, the redirect).
        obj.pk, obj.created_by, obj.created_at = training.pk, training.created_by, training.created_at
        obj._state.adding = False


# --- Evaluations (办法 art. 10) -------------------------------------------------------------

GRADE_CHOICES = [("", "—"), *[(n, "★" * n) for n in range(1, 6)]]


class EvaluationKindFilter(admin.SimpleListFilter):
    title = _("evaluates")
    parameter_name = "of"

    def lookups(self, request, model_admin):
        return [("record", _("a service record")), ("period", _("a period"))]

    def queryset(self, request, queryset):
        if self.value() == "record":
            return queryset.filter(record__isnull=False)
        if self.value() == "period":
            return queryset.filter(record__isnull=True)
        return queryset


def evaluable_volunteers(user) -> QuerySet[Volunteer]:
    """Whom a manager may evaluate for a period, as the API takes them: their units' volunteers and the
    guests who served at their units' events (another station's volunteers), never themself."""
    served = ServiceRecord.objects.managed_by(user).values("volunteer")
    return Volunteer.objects.filter(
        Q(pk__in=Volunteer.objects.managed_by(user).values("pk")) | Q(pk__in=served)
    ).exclude(user=user)


class EvaluationAddForm(forms.ModelForm):
    """An evaluation of one service record, or of a volunteer's period: checked by the API's serializer."""

    request: AdminRequest

    class Meta:
        model = Evaluation
        fields = ["record", "volunteer", "unit", "period_start", "period_end", "evaluated_on", "grade", "comment"]
        widgets = {"grade": forms.Select(choices=GRADE_CHOICES), "comment": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)
        user = self.request.user
        site = admin.site
        record = cast(forms.ModelChoiceField, self.fields["record"])
        # The serializer's choice (reviewed records of the manager's events), without their own service.
        # The manager's events' records, not their own service; the serializer takes approved ones only
        # (the search box finds every status: a pending one is refused with the reason).
        record.queryset = (
            ServiceRecord.objects.managed_by(user).exclude(volunteer__user=user).select_related("volunteer", "event")
        )
        use_widget(record, AutocompleteSelect(Evaluation._meta.get_field("record"), site))
        record.help_text = _("An approved record, found by the volunteer's name or the event's title.")
        volunteer = cast(forms.ModelChoiceField, self.fields["volunteer"])
        volunteer.required = False
        volunteer.queryset = evaluable_volunteers(user)
        use_widget(volunteer, AutocompleteSelect(Evaluation._meta.get_field("volunteer"), site))
        volunteer.help_text = _(
            "For a period: a volunteer who served at your units in it, of your units or of another station."
        )
        unit = cast(forms.ModelChoiceField, self.fields["unit"])
        unit.required = False
        unit.queryset = PracticeUnit.objects.managed_by(user).order_by("path")
        self.fields["evaluated_on"].required = False
        self.fields["evaluated_on"].help_text = _("Today if left empty.")

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # ModelForm.clean returns cleaned_data
        if self.errors:
            return cleaned
        record = cleaned.get("record")
        if record is not None and record.status != RecordStatus.APPROVED:
            message = gettext("Only an approved record is evaluated; this one is %(status)s.")
            self.add_error("record", message % {"status": record.get_status_display()})
            return cleaned
        data = {
            "record": record.pk if record else None,
            **{name: cleaned[name].pk for name in ("volunteer", "unit") if cleaned.get(name) and not record},
            **{
                name: cleaned[name].isoformat()
                for name in ("period_start", "period_end", "evaluated_on")
                if isinstance(cleaned.get(name), datetime.date)
            },
            "grade": cleaned.get("grade"),
            "comment": cleaned.get("comment", ""),
        }
        serializer = EvaluationSerializer(data=data, context={"request": self.request})
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
            return cleaned
        # What the API would save: the record's volunteer and unit, today's date if none.
        cleaned.update(serializer.validated_data)
        return cleaned

    def _post_clean(self) -> None:
        # With a mistake already shown, the half-filled row would fail the model's constraint
        # too and add its name to the page; the serializer has checked what the constraint does.
        if self._errors:  # type: ignore[attr-defined]  # Django's, missing from the stubs
            return
        super()._post_clean()  # type: ignore[misc]


class EvaluationChangeForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", LABEL_SUFFIX)
        super().__init__(*args, **kwargs)

    class Meta:
        model = Evaluation
        fields = ["evaluated_on", "grade", "comment"]
        widgets = {"grade": forms.Select(choices=GRADE_CHOICES), "comment": forms.Textarea(attrs={"rows": 4})}


@admin.register(Evaluation)
class EvaluationAdmin(CorrectionHistoryMixin, ScopedAdmin):
    """Evaluations (办法 art. 10) of a service record or of a volunteer's period, by the organising unit."""

    list_display = ["evaluated_on", "volunteer", "unit", "subject", "stars", "created_by"]
    list_filter = [EvaluationKindFilter, "grade", ManagedUnitFilter]
    search_fields = ["volunteer__real_name", "volunteer__number", "comment", "record__event__title"]
    list_select_related = ["volunteer", "unit", "record__event", "created_by"]
    date_hierarchy = "evaluated_on"

    def scoped_queryset(self, request):
        # Their units' evaluations, never of their own service.
        return Evaluation.objects.visible_to(request.user).exclude(volunteer__user=request.user)

    @admin.display(description=_("evaluates"))
    def subject(self, evaluation: Evaluation) -> str:
        if evaluation.record is not None:
            return str(evaluation.record.event)
        return f"{evaluation.period_start:%Y-%m-%d} – {evaluation.period_end:%Y-%m-%d}"

    @admin.display(description=_("stars"), ordering="grade")
    def stars(self, evaluation: Evaluation) -> str:
        return "★" * evaluation.grade if evaluation.grade else "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        evaluation = (_("Evaluation"), {"fields": ["evaluated_on", "grade", "comment"]})
        if obj is None:
            return [
                (_("Of a service record"), {"fields": ["record"]}),
                (_("Or of a period"), {"fields": ["volunteer", "unit", "period_start", "period_end"]}),
                evaluation,
            ]
        return [
            (None, {"fields": ["volunteer", "unit", "record", "period_start", "period_end"]}),
            evaluation,
            (_("Record"), {"fields": ["created_by", "created_at"], "description": NO_DELETION_HELP}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # What is evaluated stays; a correction changes the date, the stars or the words.
        return ["volunteer", "unit", "record", "period_start", "period_end", "created_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EvaluationChangeForm if obj is not None else EvaluationAddForm
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def search_box_choices(self, request: HttpRequest, field_name: str) -> QuerySet | None:
        """The volunteer search box finds guests too, as the form takes them (ScopedAdmin.get_queryset)."""
        return evaluable_volunteers(request.user) if field_name == "volunteer" else None

    def get_changeform_initial_data(self, request) -> dict:
        initial = {
            key: value
            for key, value in super().get_changeform_initial_data(request).items()
            if key in ("record", "volunteer")
        }
        unit = sole_unit(request.user)
        if unit is not None:
            initial["unit"] = unit.pk
        initial["evaluated_on"] = timezone.localdate().isoformat()
        return initial

    def save_model(self, request, obj: Evaluation, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
