from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import DateTimeField, Field
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import AdminRequest
from accounts.bounded_fields import BoundedFormDateTimeField
from accounts.errors import DomainError
from accounts.models import User
from events import list_columns, project_admin, services, venue_booking  # noqa: F401 - registers ProjectAdmin
from events.activity_admin import ActivityRecordInline, DocumentedFilter
from events.choices import ChangeAction, RecordFlag
from events.models import (
    CorrectionRequest,
    Event,
    EventStatus,
    Project,
    RecordChange,
    RecordStatus,
    RefusedScan,
    SeriesStatus,
    ServiceRecord,
    Signup,
)
from events.serializers import EventSerializer, ManualRecordSerializer, RecordCorrectionSerializer, RejectSerializer
from events.series_admin import split_series_page
from events.themes import THEMES
from events.working_days import is_working_day, working_days_between
from stations.admin import (
    SafeModelChoiceField,
    ScopedAdmin,
    WorkflowForm,
    WorkflowOnlyAdmin,
    serializer_errors_to_form,
)
from stations.models import Level, PracticeUnit
from venues.errors import VenueError
from venues.models import Venue
from volunteers.models import Volunteer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def existing_fields(model, names: list[str]) -> list[str]:
    """The names among ``names`` the model has: fields other engineers add show up once they exist."""
    have = {field.name for field in model._meta.get_fields()}
    return [name for name in names if name in have]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def local_datetime_field(label: StrOrPromise, *, required: bool = True) -> forms.DateTimeField:
    return BoundedFormDateTimeField(label=label, required=required, widget=LocalDateTimeInput())


# Events -----------------------------------------------------------------------------


# The button on the event form that saves and publishes in one step (others' tests click it by name).
SAVE_AND_PUBLISH = "_save_and_publish"


class EventAdminForm(forms.ModelForm):
    """The event form, validated by the API's serializer so both refuse the same input with the same words."""

    request: HttpRequest | None = None

    class Meta:
        model = Event
        exclude = ["created_by"]  # noqa: DJ006 - the admin's fieldsets choose the fields

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        publishing = self.request is not None and SAVE_AND_PUBLISH in self.request.POST
        # Said before anything is saved, so the form comes back with what was typed.
        if publishing and self.instance.pk and self.instance.status != EventStatus.DRAFT:
            self.add_error(None, gettext("Only a draft can be published; this event is no longer a draft."))
        serializer_class = EventSerializer
        writable = {
            name for name, field in serializer_class().fields.items() if not field.read_only and name in self.fields
        }
        data = {}
        for name in writable:
            if name not in cleaned:
                continue
            value = cleaned[name]
            data[name] = value.pk if hasattr(value, "pk") else value
        serializer = serializer_class(
            instance=self.instance if self.instance.pk else None,
            data=data,
            partial=True,
            context={"request": self.request},
        )
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        elif self.instance.pk and {"venue", "starts_at", "ends_at"} & set(self.changed_data):
            taken = venue_booking.check_free(
                self.instance,
                venue=cleaned.get("venue"),
                starts_at=cleaned.get("starts_at"),
                ends_at=cleaned.get("ends_at"),
            )
            if taken:
                self.add_error("venue", taken)
        return cleaned


@admin.register(Event)
class EventAdmin(ScopedAdmin):
    form = EventAdminForm
    list_display = ["title_short", "unit_short", "category", "when", "capacity", "status"]
    list_filter = [
        "status",
        "category",
        "edited_by_hand",
        "signup_required",
        *existing_fields(Event, ["walk_ins_allowed"]),
        "approval_required",
        DocumentedFilter,
    ]
    search_fields = ["title", "address", "unit__name"]
    list_select_related = ["unit"]
    date_hierarchy = "starts_at"
    readonly_fields = ["status", "series_link", "leaders", "created_by", "created_at", "updated_at"]
    actions = ["publish_selected", "cancel_selected", "duplicate_selected"]
    inlines = [ActivityRecordInline]
    object_tools = {"split_series": _("Change this and the following")}

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {
                    "fields": [
                        "unit",
                        "title",
                        "category",
                        "description",
                        "recipients",
                        "status",
                        *(["series_link"] if obj is not None and obj.series_id else []),
                    ]
                },
            ),
            (
                _("Time and place"),
                {
                    "fields": [
                        "starts_at",
                        "ends_at",
                        "venue",
                        "address",
                        "latitude",
                        "longitude",
                        "radius_m",
                    ]
                },
            ),
            (_("Brand project and theme day"), {"fields": ["project", "theme"]}),
            (
                _("Sign-up"),
                {
                    "fields": existing_fields(
                        Event,
                        [
                            "capacity",
                            "signup_required",
                            "walk_ins_allowed",
                            "min_age",
                            "risk_notice",
                            "lead_name",
                            "recorder_name",
                        ],
                    )
                },
            ),
            (
                _("Check-in rules"),
                {
                    "fields": [
                        "approval_required",
                        "checkin_opens_minutes",
                        "checkout_closes_minutes",
                        "min_presence_ratio",
                        "rounding_minutes",
                    ]
                },
            ),
            # Leaders are named by the workflow that made the event (an accepted service order).
            (_("Record"), {"fields": [*(["leaders"] if obj else []), "created_by", "created_at", "updated_at"]}),
        ]

    def scoped_queryset(self, request):
        return Event.objects.managed_by(request.user)

    @admin.display(description=_("title"), ordering="title")
    def title_short(self, event: Event) -> str:
        # An occurrence of a series is marked in the title, not in a column of its own: the list must
        # fit a 1366-pixel screen (tests/browser/test_admin_lists_fit.py). Hand edits have their filter.
        if event.series_id is not None:
            return "↻ " + list_columns.clipped(event.title, 16)
        return list_columns.clipped(event.title, 18)

    @admin.display(description=_("unit"), ordering="unit__name")
    def unit_short(self, event: Event) -> str:
        return list_columns.clipped(event.unit.name, 8)

    @admin.display(description=_("time"), ordering="starts_at")
    def when(self, event: Event) -> str:
        return list_columns.time_span(event.starts_at, event.ends_at)

    @admin.display(description=_("series"))
    def series_link(self, event: Event) -> str:
        if event.series_id is None:
            return ""
        url = reverse("admin:events_eventseries_change", args=[event.series_id])
        note = gettext("edited by hand: changes to the series leave it as it is") if event.edited_by_hand else ""
        return format_html('<a href="{}">{}</a> {}', url, event.series, note)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        if "unit" not in initial:
            units = list(PracticeUnit.objects.filter(manager_roles__user=request.user)[:2])
            if len(units) == 1:
                initial["unit"] = units[0].pk
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A venue or project of the manager's subtrees or of a unit above them; the form says which fit.
        if db_field.name == "venue":
            kwargs["queryset"] = Venue.objects.filter(venue_booking.in_line_q(request.user, "unit__path"))
        elif db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(venue_booking.in_line_q(request.user, "lead_unit__path"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "theme":
            choices = [("", "---------"), *((key, name) for key, name in THEMES.items())]
            return forms.ChoiceField(label=db_field.verbose_name, choices=choices, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except VenueError as error:
            # The venue was taken after the form's check: the whole save rolled back; say why.
            self.message_user(
                request,
                gettext("Not saved: %(reason)s") % {"reason": error.detail},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if change and {"venue", "starts_at", "ends_at"} & set(form.changed_data):
            # Moves the venue booking of a published event (the form checked the slot is free).
            venue_booking.sync_booking(obj, by=request.user)

    # Save and publish ------------------------------------------------------------------

    def may_publish(self, request: HttpRequest, obj: Event | None) -> bool:
        """The button shows on a draft (or a new event) to whoever may change it."""
        if obj is not None and obj.status != EventStatus.DRAFT:
            return False
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["show_save_and_publish"] = self.may_publish(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _publish_after_save(self, request: HttpRequest, obj: Event) -> HttpResponse:
        """Publish the event just saved; on a refusal it stays a saved draft and its form says why."""
        try:
            services.publish_event(obj, by=request.user if request.user.is_authenticated else None)
        except DomainError as error:
            self.message_user(
                request,
                gettext("Saved as a draft but not published: %(reason)s") % {"reason": error.detail},
                messages.ERROR,
            )
            return HttpResponseRedirect(self.change_url(obj))
        self.message_user(
            request,
            gettext("The event “%(title)s” was saved and published; volunteers can now see it.") % {"title": obj.title},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.changelist_url())

    def response_add(self, request, obj, post_url_continue=None):
        if SAVE_AND_PUBLISH in request.POST and self.may_publish(request, obj):
            return self._publish_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if SAVE_AND_PUBLISH in request.POST and self.may_publish(request, obj):
            return self._publish_after_save(request, obj)
        return super().response_change(request, obj)

    # Nothing here deletes an event that anyone signed up to or served at; a bare draft may go.
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None or not self._allowed(request) or obj.status != EventStatus.DRAFT:
            return False
        return not (obj.signups.exists() or obj.records.exists())

    def delete_model(self, request, obj) -> None:
        services.delete_event(obj)

    def split_series_view(self, request: AdminRequest, event: Event) -> HttpResponse:
        return split_series_page(self, request, event)

    def tool_links(self, request: HttpRequest, obj: Event) -> list[tuple[StrOrPromise, str]]:
        # "This and following" belongs to an occurrence still to come of a running series.
        series = obj.series
        splittable = series is not None and series.status == SeriesStatus.ACTIVE and obj.starts_at > timezone.now()
        return [
            *(super().tool_links(request, obj) if splittable else []),
            (gettext("Venue screen (kiosk)"), reverse("event-kiosk", args=[obj.pk])),
            (gettext("Scan page"), reverse("event-scan-page", args=[obj.pk])),
            (gettext("Activity record"), reverse("event-record-page", args=[obj.pk])),
            (gettext("Sign-ups"), reverse("admin:events_signup_changelist") + f"?event__id__exact={obj.pk}"),
            (gettext("Records"), reverse("admin:events_servicerecord_changelist") + f"?event__id__exact={obj.pk}"),
        ]

    def _each(self, request, queryset, service, done_message: str) -> None:
        done = 0
        for event in queryset:
            try:
                service(event)
            except DomainError as error:
                self.show_error(request, error, prefix=f"{event.title}：")
                continue
            done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected events"))
    def publish_selected(self, request, queryset) -> None:
        # Booked in the name of the manager who publishes, as the single publish does.
        def publish(event):
            return services.publish_event(event, by=request.user)

        self._each(request, queryset, publish, gettext("%(count)d event(s) published."))

    @admin.action(description=_("Cancel the selected events"))
    def cancel_selected(self, request, queryset) -> None:
        self._each(request, queryset, services.cancel_event, gettext("%(count)d event(s) cancelled."))

    @admin.action(description=_("Duplicate the selected events as new drafts"))
    def duplicate_selected(self, request, queryset) -> HttpResponse | None:
        copies = []
        # A copy is a one-off event, never a second occurrence of the original's series.
        skip = {"id", "status", "created_by", "created_at", "updated_at"}
        skip |= {"series", "occurrence_start", "edited_by_hand"}
        # The original's venue booking stays its own: a draft holds none (publishing books the venue).
        skip |= {"venue_booking"}
        for event in queryset:
            values = {
                field.attname: getattr(event, field.attname)
                for field in Event._meta.concrete_fields
                if field.name not in skip
            }
            copies.append(Event.objects.create(**values, status=EventStatus.DRAFT, created_by=request.user))
        self.message_user(
            request, gettext("%(count)d draft(s) made; set their dates.") % {"count": len(copies)}, messages.SUCCESS
        )
        if len(copies) == 1:
            return HttpResponseRedirect(reverse("admin:events_event_change", args=[copies[0].pk]))
        return None


@admin.register(Signup)
class SignupAdmin(WorkflowOnlyAdmin):
    list_display = ["volunteer_name", "event_title", "event_time", "status", "queued", "risk_read", "absent"]
    list_filter = ["status", "absent"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title"]
    list_select_related = ["volunteer", "event"]

    @admin.display(description=_("volunteer"), ordering="volunteer__real_name")
    def volunteer_name(self, signup: Signup) -> str:
        return list_columns.nowrap(signup.volunteer.real_name)

    @admin.display(description=_("event"), ordering="event__title")
    def event_title(self, signup: Signup) -> str:
        return list_columns.clipped(signup.event.title, 12)

    @admin.display(description=_("event time"), ordering="event__starts_at")
    def event_time(self, signup: Signup) -> str:
        return list_columns.time_span(signup.event.starts_at, signup.event.ends_at)

    @admin.display(description=_("signed up at"), ordering="queued_at")
    def queued(self, signup: Signup) -> str:
        return list_columns.nowrap(date_format(timezone.localtime(signup.queued_at), "m-d H:i"))

    @admin.display(description=_("risk notice read"), boolean=True, ordering="risk_acknowledged_at")
    def risk_read(self, signup: Signup) -> bool:
        return signup.risk_acknowledged_at is not None

    def scoped_queryset(self, request):
        return Signup.objects.filter(event__in=Event.objects.managed_by(request.user))


# Records ----------------------------------------------------------------------------


def readable_value(record_field: str, value: str | None) -> str:
    """A history value as a manager reads it: local times, labels instead of codes."""
    if value is None or value in ("", "None"):
        return "—"
    if record_field in {"checked_in_at", "checked_out_at", "reviewed_at", "client_time"}:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "Y-m-d H:i")
    if record_field == "status":
        return str(dict(RecordStatus.choices).get(value, value))
    if record_field == "flag":
        return str(RecordFlag(value).label) if value in RecordFlag.values else value
    return value


def field_label(name: str) -> str:
    try:
        field = ServiceRecord._meta.get_field(name)
        # A reverse relation has no verbose name: its name stands.
        return str(field.verbose_name) if isinstance(field, Field) else name
    except Exception:
        return name


def describe_change(change: RecordChange) -> str:
    names = list(dict.fromkeys([*change.old, *change.new]))
    return format_html_join(
        "",
        "<div>{}：{} → {}</div>",
        (
            (
                field_label(name),
                readable_value(name, change.old.get(name)),
                readable_value(name, change.new.get(name)),
            )
            for name in names
            if change.old.get(name) != change.new.get(name)
        ),
    )


# A tuple: the same names fit both ``fields`` and ``readonly_fields`` as Django's stubs type them.
HISTORY_FIELDS = ("when", "changed_by", "what", "changes", "reason")


class RecordChangeInline(admin.TabularInline):
    model = RecordChange
    extra = 0
    can_delete = False
    fields = HISTORY_FIELDS
    readonly_fields = HISTORY_FIELDS
    verbose_name_plural = _("history")
    # A plain table: the default one titles each row with the change's code name.
    template = "admin/edit_inline/history_table.html"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # The record around it is already scoped to the manager.
        return True

    @admin.display(description=_("changed at"))
    def when(self, change: RecordChange) -> str:
        return date_format(timezone.localtime(change.changed_at), "Y-m-d H:i")

    @admin.display(description=_("action"))
    def what(self, change: RecordChange) -> str:
        return change.get_action_display()

    @admin.display(description=_("before → after"))
    def changes(self, change: RecordChange) -> str:
        return describe_change(change)


class FlagFilter(admin.SimpleListFilter):
    title = _("flag")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [
            (RecordFlag.MISSING_CHECKOUT, RecordFlag.MISSING_CHECKOUT.label),
            ("any", _("Any flag")),
            ("none", _("No flag")),
        ]

    def queryset(self, request, queryset):
        if self.value() == RecordFlag.MISSING_CHECKOUT:
            return queryset.filter(flag=RecordFlag.MISSING_CHECKOUT)
        if self.value() == "any":
            return queryset.exclude(flag="")
        if self.value() == "none":
            return queryset.filter(flag="")
        return queryset


def last_day_waiting_more_than(today: datetime.date, days: int) -> datetime.date:
    """The latest day a record may have started waiting and have waited more than ``days`` working days by today."""
    day, counted = today, 0
    while counted <= days:
        counted += is_working_day(day)
        day -= datetime.timedelta(days=1)
    return day


def waiting_since():
    # A record waits from its check-out (or, without one, from when it was made).
    return Coalesce("checked_out_at", "created_at", output_field=DateTimeField())


class WaitingFilter(admin.SimpleListFilter):
    title = _("waiting for review")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [(str(days), _("More than %(days)d working days") % {"days": days}) for days in (3, 5, 10)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit() or not 0 < int(value) <= 60:
            return queryset
        last_day = last_day_waiting_more_than(timezone.localdate(), int(value))
        first_day_too_recent = last_day + datetime.timedelta(days=1)
        cutoff = timezone.make_aware(datetime.datetime.combine(first_day_too_recent, datetime.time.min))
        return queryset.filter(status=RecordStatus.PENDING).alias(since=waiting_since()).filter(since__lt=cutoff)


class CorrectTimesForm(WorkflowForm):
    checked_in_at = local_datetime_field(_("checked in at"))
    checked_out_at = local_datetime_field(_("checked out at"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=200)

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        data = {key: value for key, value in cleaned.items() if value not in (None, "")}
        serializer = RecordCorrectionSerializer(data=data)
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


class ReasonForm(WorkflowForm):
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        serializer = RejectSerializer(data={"reason": cleaned.get("reason", "")})
        if "reason" in cleaned and not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


class ConfirmForm(WorkflowForm):
    pass


class ManualRecordForm(WorkflowForm):
    event = SafeModelChoiceField(label=_("event"), queryset=Event.objects.none())
    volunteer = SafeModelChoiceField(label=_("volunteer"), queryset=Volunteer.objects.none())
    checked_in_at = local_datetime_field(_("checked in at"))
    checked_out_at = local_datetime_field(_("checked out at"))
    reason = forms.CharField(label=_("reason for manual entry"), max_length=200)

    def __init__(self, *args, request: AdminRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        events = Event.objects.managed_by(request.user).exclude(status=EventStatus.DRAFT)
        cast(forms.ModelChoiceField, self.fields["event"]).queryset = events
        volunteers = Volunteer.objects.visible_to(request.user).exclude(user=request.user)
        cast(forms.ModelChoiceField, self.fields["volunteer"]).queryset = volunteers

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if self.errors:
            return cleaned
        data = {key: value.pk if hasattr(value, "pk") else value for key, value in cleaned.items()}
        serializer = ManualRecordSerializer(data=data, context={"request": self.request})
        if not serializer.is_valid():
            serializer_errors_to_form(self, serializer.errors)
        return cleaned


# Four eyes, told up front -------------------------------------------------------------

SHOWN_NAMES = 5


def names_of(users: list) -> str:
    shown = "、".join(user.get_short_name() for user in users[:SHOWN_NAMES])
    return shown + ("…" if len(users) > SHOWN_NAMES else "") if shown else "—"


def local_time(moment: datetime.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


def approval_notice(record: ServiceRecord, user) -> str | None:
    """Why ``user`` may not approve the record and who will, or None when they may (four eyes)."""
    bar = services.review_bar(record, user)
    if bar is None:
        return None
    because = {
        "served": gettext("You served in this record, so you cannot approve it."),
        "entered": gettext("You entered this record, so you cannot approve it."),
        "corrected": gettext("You corrected this record's times, so you cannot approve it."),
        "scanned_late": gettext("You scanned this record offline and uploaded it late, so you cannot approve it."),
    }[bar]
    return f"{because}{who_approves(record, user)}"


def who_approves(record: ServiceRecord, user) -> str:
    approvers = services.approvers_of(record)
    own = record.event.unit
    values = {"names": names_of(approvers.users), "own": own.name}
    if approvers.unit is None:
        return gettext("No other manager may approve it; the system's administrators approve it: %(names)s.") % values
    values["unit"] = approvers.unit.name
    if not approvers.passed_up:
        return gettext("Another manager of %(unit)s approves it: %(names)s.") % values
    own_managers = list(own.manager_roles.filter(user__is_active=True).values_list("user_id", flat=True))
    if own_managers == [user.pk]:
        if own.level == Level.STATION and approvers.unit.pk == own.parent_id:
            return (
                gettext(
                    "You are this station's only manager, so this record will be approved by the practice "
                    "institute above (%(unit)s): %(names)s."
                )
                % values
            )
        return (
            gettext(
                "You are the only manager of %(own)s, so this record will be approved by %(unit)s above: %(names)s."
            )
            % values
        )
    return (
        gettext("No other manager of %(own)s may approve it, so it will be approved by %(unit)s above: %(names)s.")
        % values
    )


def passed_up_note(record: ServiceRecord, user) -> str:
    """Told to a manager above who approves a record its own unit's managers may not."""
    approvers = services.approvers_of(record)
    if approvers.passed_up and any(approver.pk == user.pk for approver in approvers.users):
        return gettext("It comes to you because no other manager of %(own)s may approve it.") % {
            "own": record.event.unit.name
        }
    return ""


def record_facts(record: ServiceRecord) -> list[tuple[StrOrPromise, str]]:
    """What an approval approves: the times (local) and the hours, and who shaped them last."""
    event = record.event
    facts: list[tuple[StrOrPromise, str]] = [
        (_("volunteer"), record.volunteer.real_name),
        (_("event"), f"{event.title}（{event.unit.name}）"),
        (_("event time"), f"{local_time(event.starts_at)} – {date_format(timezone.localtime(event.ends_at), 'H:i')}"),
        (field_label("checked_in_at"), local_time(record.checked_in_at)),
        (field_label("checked_out_at"), local_time(record.checked_out_at)),
        (field_label("credited_hours"), gettext("%(hours)s hours") % {"hours": record.credited_hours}),
        (field_label("method"), record.get_method_display()),
    ]
    shaped = (
        record.history.filter(action__in=services.SHAPING_ACTIONS)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
        .first()
    )
    if shaped is not None:
        who = shaped.changed_by.get_short_name() if shaped.changed_by else "—"
        facts.append(
            (
                gettext("Entered by") if shaped.action == ChangeAction.MANUAL_CREATE else gettext("Corrected by"),
                f"{who} · {local_time(shaped.changed_at)}" + (f" · {shaped.reason}" if shaped.reason else ""),
            )
        )
    return facts


@admin.register(ServiceRecord)
class ServiceRecordAdmin(WorkflowOnlyAdmin):
    # Few short columns, so status, hours and flags show without sideways scrolling at 1366 px.
    list_display = ["volunteer_name", "event_title", "attended", "hours", "state"]
    list_filter = ["status", FlagFilter, WaitingFilter, "method"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title"]
    list_select_related = ["volunteer", "event"]
    date_hierarchy = "checked_in_at"
    actions = ["approve_selected", "reject_selected"]
    inlines = [RecordChangeInline]
    object_tools = {"correct": _("Correct times"), "approve": _("Approve"), "reject": _("Reject")}
    exclude = ["flag"]
    readonly_fields = ["flag_display"]

    def scoped_queryset(self, request):
        return ServiceRecord.objects.managed_by(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        # "Add" enters a manual record (补录) through the service, which another manager approves.
        return self._allowed(request)

    @admin.display(description=_("flag"))
    def flag_display(self, record: ServiceRecord) -> str:
        return record.get_flag_display() or "—"

    @admin.display(description=_("working days waiting"))
    def waited(self, record: ServiceRecord) -> str:
        if record.status != RecordStatus.PENDING:
            return "—"
        since = timezone.localdate(record.checked_out_at or record.created_at)
        return str(working_days_between(since, timezone.localdate()))

    @admin.display(description=_("volunteer"), ordering="volunteer__real_name")
    def volunteer_name(self, record: ServiceRecord) -> str:
        return list_columns.nowrap(record.volunteer.real_name)

    @admin.display(description=_("event"), ordering="event__starts_at")
    def event_title(self, record: ServiceRecord) -> str:
        return list_columns.clipped(record.event.title, 15)

    @admin.display(description=_("check-in – check-out"), ordering="checked_in_at")
    def attended(self, record: ServiceRecord) -> str:
        return list_columns.time_span(record.checked_in_at, record.checked_out_at)

    @admin.display(description=pgettext_lazy("list column", "hours"), ordering="credited_hours")
    def hours(self, record: ServiceRecord) -> str:
        return str(record.credited_hours)

    @admin.display(description=_("status"), ordering="status")
    def state(self, record: ServiceRecord) -> str:
        tone = {RecordStatus.PENDING: "amber", RecordStatus.APPROVED: "green", RecordStatus.REJECTED: "red"}
        items = [(record.get_status_display(), tone.get(RecordStatus(record.status), "grey"))]
        if record.flag:
            items.append((record.get_flag_display(), "red"))
        if record.status == RecordStatus.PENDING:
            days = int(self.waited(record))
            text = ngettext("waiting %(days)d working day", "waiting %(days)d working days", days) % {"days": days}
            items.append((text, "red" if days >= 5 else "grey"))
        return list_columns.badges(items)

    # Manual entry --------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)

        def perform(form: ManualRecordForm) -> HttpResponse | None:
            data = form.cleaned_data
            try:
                record = services.create_manual_record(
                    data["event"],
                    data["volunteer"],
                    checked_in_at=data["checked_in_at"],
                    checked_out_at=data["checked_out_at"],
                    reason=data["reason"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Manual record entered; another manager approves it."), messages.SUCCESS)
            return HttpResponseRedirect(self.change_url(record))

        return self.object_form(
            request,
            None,
            ManualRecordForm,
            title=gettext("Enter a record manually"),
            perform=perform,
            form_kwargs={"request": request},
        )

    # One record -----------------------------------------------------------------------

    def correct_view(self, request: AdminRequest, record: ServiceRecord) -> HttpResponse:
        def perform(form: CorrectTimesForm) -> None:
            data = form.cleaned_data
            try:
                services.correct_record_times(
                    record,
                    by=request.user,
                    reason=data["reason"],
                    checked_in_at=data["checked_in_at"],
                    checked_out_at=data.get("checked_out_at"),
                )
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Times corrected."), messages.SUCCESS)
            return None

        initial = {
            "checked_in_at": timezone.localtime(record.checked_in_at),
            "checked_out_at": timezone.localtime(record.checked_out_at) if record.checked_out_at else None,
        }
        return self.object_form(
            request,
            record,
            CorrectTimesForm,
            title=gettext("Correct the times of %(record)s") % {"record": record},
            perform=perform,
            form_kwargs={"initial": initial},
            intro=gettext("The hours follow the new times; the change and its reason are kept in the history."),
        )

    def tool_links(self, request: HttpRequest, obj: ServiceRecord) -> list[tuple[StrOrPromise, str]]:
        links = super().tool_links(request, obj)
        barred = obj.status == RecordStatus.PENDING and services.review_bar(obj, cast(User, request.user)) is not None
        if barred:
            # Not offered to whom the four-eyes rule bars: the page says who approves instead.
            approve = reverse("admin:events_servicerecord_approve", args=[obj.pk], current_app=self.admin_site.name)
            links = [(label, url) for label, url in links if url != approve]
        return links

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        record = self.get_object(request, unquote(object_id)) if object_id else None
        if record is not None and record.status == RecordStatus.PENDING and self.may_use_workflows(request):
            notice = approval_notice(record, request.user)
            if notice:
                extra_context["workflow_notice"] = notice
                extra_context["disabled_workflow_links"] = [(self.object_tools["approve"], notice)]
        return super().change_view(request, object_id, form_url, extra_context)

    def approve_view(self, request: AdminRequest, record: ServiceRecord) -> HttpResponse:
        notice = approval_notice(record, request.user) if record.status == RecordStatus.PENDING else None
        form = ConfirmForm(request.POST) if request.method == "POST" else ConfirmForm()
        if request.method == "POST" and form.is_valid():
            try:
                services.approve_record(record, by=request.user)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                self.message_user(request, gettext("Record approved."), messages.SUCCESS)
                return HttpResponseRedirect(self.change_url(record))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Approve %(record)s") % {"record": record},
            "intro": passed_up_note(record, request.user) if notice is None else "",
            "facts": record_facts(record),
            "notice": notice,
            "form": form,
            "object": record,
            "opts": self.model._meta,
            "change_url": self.change_url(record),
            "submit_label": gettext("Approve these hours"),
            "submit_disabled": notice is not None,
        }
        return TemplateResponse(request, "admin/workflow_form.html", context)

    def reject_view(self, request: AdminRequest, record: ServiceRecord) -> HttpResponse:
        def perform(form: ReasonForm) -> None:
            try:
                services.reject_record(record, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, error.detail)
                return None
            self.message_user(request, gettext("Record rejected."), messages.SUCCESS)
            return None

        return self.object_form(
            request, record, ReasonForm, title=gettext("Reject %(record)s") % {"record": record}, perform=perform
        )

    # Many records ---------------------------------------------------------------------

    @admin.action(description=_("Approve the selected records"))
    def approve_selected(self, request, queryset) -> None:
        approved = 0
        refused: dict[str, list[str]] = {}
        for record in queryset:
            try:
                services.approve_record(record, by=request.user)
            except DomainError as error:
                # A four-eyes refusal says who approves instead, as the record's page does.
                barred = error.code == "self_review" and approval_notice(record, request.user)
                refused.setdefault(barred or error.detail, []).append(str(record))
                continue
            approved += 1
        self.message_user(
            request, ngettext("%d record approved.", "%d records approved.", approved) % approved, messages.SUCCESS
        )
        for detail, names in refused.items():
            shown = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
            self.message_user(request, f"{detail}（{shown}）", messages.WARNING)

    @admin.action(description=_("Reject the selected records with a reason"))
    def reject_selected(self, request, queryset) -> HttpResponse | None:
        def perform(form: ReasonForm) -> None:
            rejected = 0
            for record in queryset:
                try:
                    services.reject_record(record, by=request.user, reason=form.cleaned_data["reason"])
                except DomainError as error:
                    self.show_error(request, error, prefix=f"{record}：")
                    continue
                rejected += 1
            self.message_user(request, ngettext("%d record rejected.", "%d records rejected.", rejected) % rejected)
            return None

        return self.form_action(
            request, queryset, ReasonForm, title=gettext("Reject the selected records"), perform=perform
        )


@admin.register(RefusedScan)
class RefusedScanAdmin(WorkflowOnlyAdmin):
    list_display = ["at", "code", "volunteer", "event", "action", "ip"]
    list_filter = ["code", "action"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title", "ip"]
    list_select_related = ["volunteer", "event"]
    date_hierarchy = "at"

    def scoped_queryset(self, request):
        return RefusedScan.objects.visible_to(request.user)


# Evaluations (art. 10) are entered and corrected beside trainings (art. 8): importing registers both.
from events import record_keeping_admin  # noqa: E402, F401


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(WorkflowOnlyAdmin):
    """Corrections volunteers asked for (art. 13); decided through the API so the four-eyes rule holds."""

    list_display = ["created_at", "volunteer", "event", "kind", "status", "decided_by", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["volunteer__real_name", "volunteer__number", "event__title"]
    list_select_related = ["volunteer", "event", "decided_by"]
    # The photo is personal: only the permission-checked API download serves it.
    exclude = ["photo"]

    def scoped_queryset(self, request):
        return CorrectionRequest.objects.visible_to(request.user)


from events import card_admin, offline_admin, theme_admin  # noqa: E402, F401
