"""The theme days (``events.themes``) a center marks: its managers choose them for their own center only.

A marked day appears on the public activity calendar of the center and of every unit under
it. Institutes and stations follow their center's choice, so only a center's managers (and
admins) see this admin; the centers offered, and accepted from a posted form, are theirs.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import MarkedTheme
from events.themes import THEME_RULES, THEMES, theme_dates
from stations.admin import ScopedAdmin
from stations.models import Level, PracticeUnit


def markable_centers(user) -> QuerySet[PracticeUnit]:
    """The centers whose theme days the user may mark: those they manage (admins: all)."""
    return PracticeUnit.objects.managed_by(user).filter(level=Level.CENTER)


class MarkedThemeForm(forms.ModelForm):
    theme = forms.ChoiceField(label=_("theme day"), choices=list(THEMES.items()))

    class Meta:
        model = MarkedTheme
        fields = ["center", "theme"]


@admin.register(MarkedTheme)
class MarkedThemeAdmin(ScopedAdmin):
    form = MarkedThemeForm
    list_display = ["theme_name", "next_date", "center"]
    list_filter = ["theme"]
    list_select_related = ["center"]
    ordering = ["center__path", "theme"]

    def scoped_queryset(self, request: HttpRequest) -> QuerySet[MarkedTheme]:
        return MarkedTheme.objects.filter(center__in=markable_centers(request.user))

    def _allowed(self, request: HttpRequest) -> bool:
        return super()._allowed(request) and markable_centers(request.user).exists()

    def has_delete_permission(self, request: HttpRequest, obj: MarkedTheme | None = None) -> bool:
        # Unmarking a day is part of choosing them (the rows hold nothing else).
        return self._allowed(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "center":
            field.queryset = markable_centers(request.user)
        return field

    @admin.display(description=_("theme day"), ordering="theme")
    def theme_name(self, obj: MarkedTheme) -> str:
        return THEMES.get(obj.theme, obj.theme)

    @admin.display(description=_("date this year"))
    def next_date(self, obj: MarkedTheme) -> str:
        if obj.theme not in THEME_RULES:
            return "—"
        day = theme_dates(timezone.localdate().year).get(obj.theme)
        return f"{day:%Y-%m-%d}" if day else "—"
