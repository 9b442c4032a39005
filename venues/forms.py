from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounded_fields import BoundedFormDateField
from stations.admin import SafeModelChoiceField
from venues.serializers import teams_of


class DayForm(forms.Form):
    """The day shown on a venue's page (?date=); anything unreadable shows today."""

    date = BoundedFormDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class BookingForm(forms.Form):
    """A resident's booking on a phone: one day, a start and an end time on it."""

    day = BoundedFormDateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    purpose = forms.CharField(label=_("purpose"), max_length=100)
    attendees = forms.IntegerField(label=_("expected attendees"), min_value=1, max_value=100_000, initial=1)
    team = SafeModelChoiceField(label=_("for team"), queryset=None, required=False, empty_label=_("myself"))
    is_public = forms.BooleanField(label=_("open to the public (shown on the activity calendar)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_of(user)
        self.fields["team"].queryset = teams
        if not teams.exists():
            del self.fields["team"]

    def times(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The start and end as aware local times (Asia/Shanghai)."""
        day = self.cleaned_data["day"]
        starts_at = timezone.make_aware(datetime.datetime.combine(day, self.cleaned_data["start"]))
        ends_at = timezone.make_aware(datetime.datetime.combine(day, self.cleaned_data["end"]))
        return starts_at, ends_at


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)
