"""The event series admin: a manager describes the schedule in words and boxes; the form writes the RRULE."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from events import series as series_service
from events.models import MAX_SERIES_DURATION_MINUTES, Event, EventSeries
from events.series_serializers import TEMPLATE_FIELDS
from stations.admin import ScopedAdmin, WorkflowForm


class Frequency:
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    WEEKDAYS = "weekdays"
    DAILY = "daily"
    CHOICES = [
        (WEEKLY, _("Weekly, on the days ticked")),
        (MONTHLY, _("Monthly, on one weekday (such as the first Sunday)")),
        (WEEKDAYS, _("Every working day, Monday to Friday")),
        (DAILY, _("Every day")),
    ]


WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
POSITIONS = [
    ("1", pgettext_lazy("position in the month", "first")),
    ("2", pgettext_lazy("position in the month", "second")),
    ("3", pgettext_lazy("position in the month", "third")),
    ("4", pgettext_lazy("position in the month", "fourth")),
    ("-1", pgettext_lazy("position in the month", "last")),
]
# The longest COUNT the form takes: a few years of a daily series.
MAX_COUNT = 1000


def build_rule(data: dict) -> str:
    """The RRULE the form's choices describe (without DTSTART)."""
    frequency = data["frequency"]
    days = data.get("weekdays") or []
    if frequency == Frequency.WEEKDAYS:
        parts = ["FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR"]
    elif frequency == Frequency.WEEKLY:
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(days)]
    elif frequency == Frequency.MONTHLY:
        parts = ["FREQ=MONTHLY", f"BYDAY={data['position']}{days[0]}"]
    else:
        parts = ["FREQ=DAILY"]
    if data.get("interval", 1) > 1:
        parts.append(f"INTERVAL={data['interval']}")
    if data.get("ends_on"):
        parts.append(f"UNTIL={data['ends_on']:%Y%m%d}T235959")
    if data.get("count"):
        parts.append(f"COUNT={data['count']}")
    return ";".join(parts)


class EventSeriesAddForm(forms.ModelForm):
    frequency = forms.ChoiceField(label=_("repeats"), choices=Frequency.CHOICES, initial=Frequency.WEEKLY)
    weekdays = forms.MultipleChoiceField(
        label=_("on these days"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Weekly: one or more days. Monthly: exactly one day."),
    )
    position = forms.ChoiceField(label=_("which one in the month"), choices=POSITIONS, initial="1", required=False)
    interval = forms.IntegerField(label=_("every how many weeks, months or days"), min_value=1, max_value=12, initial=1)
    ends_on = forms.DateField(label=_("last date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(label=_("or number of times"), required=False, min_value=1, max_value=MAX_COUNT)

    class Meta:
        model = EventSeries
        fields = [
            "unit",
            *TEMPLATE_FIELDS,
            "starts_on",
            "start_time",
            "duration_minutes",
            "skip_official_holidays",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())
        frequency, days = cleaned.get("frequency"), cleaned.get("weekdays") or []
        if frequency == Frequency.WEEKLY and not days:
            self.add_error("weekdays", gettext("Tick at least one day of the week."))
        if frequency == Frequency.MONTHLY and len(days) != 1:
            self.add_error("weekdays", gettext("Tick exactly one day for a monthly series."))
        if frequency == Frequency.MONTHLY and not cleaned.get("position"):
            self.add_error("position", gettext("Choose which one in the month."))
        if cleaned.get("ends_on") and cleaned.get("count"):
            self.add_error("count", gettext("Give a last date or a number of times, not both."))
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", gettext("The last date must not be before the first date."))
        radius = cleaned.get("radius_m")
        if radius and (cleaned.get("latitude") is None or cleaned.get("longitude") is None):
            self.add_error("radius_m", gettext("A check-in radius needs the latitude and longitude."))
        if self.errors or not (starts_on and cleaned.get("start_time")):
            return cleaned
        try:
            self.instance.rule = series_service.validate_rule(
                build_rule(cleaned),
                starts_on,
                cleaned["start_time"],
                skip_holidays=cleaned.get("skip_official_holidays", False),
                after=timezone.now(),
            )
        except series_service.SeriesError as error:
            self.add_error(None, error.detail)
        return cleaned


class EventSeriesChangeForm(forms.ModelForm):
    class Meta:
        model = EventSeries
        fields = ["unit", *TEMPLATE_FIELDS, "duration_minutes", "status"]

    def clean(self) -> dict:
        cleaned = cast(dict[str, Any], super().clean())
        radius = cleaned.get("radius_m")
        if radius and (cleaned.get("latitude") is None or cleaned.get("longitude") is None):
            self.add_error("radius_m", gettext("A check-in radius needs the latitude and longitude."))
        return cleaned


@admin.register(EventSeries)
class EventSeriesAdmin(ScopedAdmin):
    list_display = ["title", "unit", "schedule", "status", "occurrence_count"]
    list_filter = ["status", "skip_official_holidays"]
    search_fields = ["title", "address", "unit__name"]
    list_select_related = ["unit"]
    actions = ["generate_selected"]
    # The schedule stays as created: "this and following" (the API's split) changes it from an occurrence on.
    schedule_fields = ["rule", "starts_on", "start_time", "skip_official_holidays"]

    def scoped_queryset(self, request):
        return EventSeries.objects.managed_by(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EventSeriesChangeForm if obj is not None else EventSeriesAddForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.schedule_fields, "next_occurrences", "occurrence_list", "created_by", "created_at"]

    def get_fieldsets(self, request, obj=None):
        template = (_("Each occurrence"), {"fields": ["unit", *TEMPLATE_FIELDS]})
        if obj is None:
            schedule = [
                "starts_on",
                "start_time",
                "duration_minutes",
                "frequency",
                "weekdays",
                "position",
                "interval",
                "ends_on",
                "count",
                "skip_official_holidays",
            ]
            return [(_("Schedule"), {"fields": schedule}), template]
        return [
            (_("Schedule"), {"fields": [*self.schedule_fields, "duration_minutes", "status"]}),
            (_("Occurrences"), {"fields": ["next_occurrences", "occurrence_list"]}),
            template,
            (_("Record"), {"fields": ["created_by", "created_at"]}),
        ]

    def save_model(self, request, obj, form, change) -> None:
        now = timezone.now()
        if not change:
            obj.created_by = request.user
            obj.save()
            series_service.generate_occurrences(obj, now=now)
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        series_service.update_series(obj, changes, now=now)

    @admin.display(description=_("schedule"))
    def schedule(self, series: EventSeries) -> str:
        return f"{series.rule} · {series.start_time:%H:%M}"

    @admin.display(description=_("occurrences"))
    def occurrence_count(self, series: EventSeries) -> str:
        url = reverse("admin:events_event_changelist") + f"?series__id__exact={series.pk}"
        return format_html('<a href="{}">{}</a>', url, series.occurrences.count())

    @admin.display(description=_("next occurrences"))
    def next_occurrences(self, series: EventSeries) -> str:
        starts = series_service.upcoming(series, now=timezone.now())
        if not starts:
            return gettext("None: the rule has ended.")
        return format_html_join(", ", "<span class='series-preview'>{}</span>", ((_local(start),) for start in starts))

    @admin.display(description=_("made so far"))
    def occurrence_list(self, series: EventSeries) -> str:
        events = series.occurrences.order_by("starts_at")[:20]
        rows = format_html_join(
            "",
            "<li><a href='{}'>{}</a> {} {}</li>",
            (
                (
                    reverse("admin:events_event_change", args=[event.pk]),
                    _local(event.starts_at),
                    event.get_status_display(),
                    gettext("(edited by hand)") if event.edited_by_hand else "",
                )
                for event in events
            ),
        )
        url = reverse("admin:events_event_changelist") + f"?series__id__exact={series.pk}"
        return format_html("<ul class='series-occurrences'>{}</ul><a href='{}'>{}</a>", rows, url, gettext("All"))

    @admin.action(description=_("Make the occurrences up to the horizon now"))
    def generate_selected(self, request, queryset) -> None:
        made = 0
        now = timezone.now()
        for series in queryset:
            made += len(series_service.generate_occurrences(series, now=now).created)
        self.message_user(
            request,
            ngettext("%(count)d occurrence made.", "%(count)d occurrences made.", made) % {"count": made},
            messages.SUCCESS,
        )


def _local(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d D H:i")


class SplitSeriesForm(WorkflowForm):
    """This and following: what changes from the chosen occurrence on; the rest stays."""

    title = forms.CharField(label=_("title"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200)
    start_time = forms.TimeField(label=_("start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(
        label=_("duration (minutes)"), min_value=1, max_value=MAX_SERIES_DURATION_MINUTES
    )
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, required=False)


def split_series_page(model_admin: ScopedAdmin, request: HttpRequest, event: Event) -> HttpResponse:
    """The event admin's "this and following" page for an occurrence of a series."""
    series = event.series
    if series is None:
        raise Http404
    fields = list(SplitSeriesForm.base_fields)

    def perform(form: SplitSeriesForm) -> HttpResponse | None:
        changes = {name: form.cleaned_data[name] for name in fields if form.cleaned_data[name] != getattr(series, name)}
        try:
            successor, _made = series_service.split_series(series, event, changes, now=timezone.now())
        except DomainError as error:
            form.add_error(None, error.detail)
            return None
        model_admin.message_user(
            request, gettext("From this occurrence on, the series goes on with the changes."), messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:events_eventseries_change", args=[successor.pk]))

    return model_admin.object_form(
        request,
        event,
        SplitSeriesForm,
        title=gettext("Change this and the following occurrences"),
        intro=gettext(
            "The series ends before this occurrence and a new one goes on from it with these values. "
            "Occurrences edited by hand or with records keep what they have."
        ),
        perform=perform,
        form_kwargs={"initial": {name: getattr(series, name) for name in fields}},
    )
