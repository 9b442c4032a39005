from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The rollups follow every change of approved hours or of their grouping (reports.rollups.upkeep).
        from events.models import Event, ServiceRecord
        from events.signals import hours_changed
        from reports.rollups import upkeep
        from stations.models import PracticeUnit
        from volunteers.models import Volunteer
        from volunteers.signals import volunteers_registered

        connections: list[tuple[Signal, Callable[..., Any], type[Model]]] = [
            (hours_changed, upkeep.on_hours_changed, ServiceRecord),
            (post_delete, upkeep.record_deleted, ServiceRecord),
            (pre_save, upkeep.before_event_saved, Event),
            (post_save, upkeep.event_saved, Event),
            (volunteers_registered, upkeep.on_volunteers_registered, Volunteer),
            (pre_save, upkeep.before_volunteer_saved, Volunteer),
            (post_save, upkeep.volunteer_saved, Volunteer),
            (post_delete, upkeep.volunteer_deleted, Volunteer),
            (pre_save, upkeep.before_unit_saved, PracticeUnit),
            (post_save, upkeep.unit_saved, PracticeUnit),
        ]
        for signal, receiver, sender in connections:
            signal.connect(receiver, sender=sender, dispatch_uid=f"rollup-{receiver.__name__}")
