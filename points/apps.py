from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "points"
    verbose_name = _("Points and the love supermarket")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from events.models import CorrectionRequest, Event, ServiceRecord
        from events.signals import hours_changed
        from points import earning, gifts, watch
        from volunteers.signals import account_closing

        # Points follow approved hours however they move (approval, rejection, correction).
        hours_changed.connect(earning.on_hours_changed, sender=ServiceRecord, dispatch_uid="points-follow-hours")

        # And the event's rule, rate and leader coefficient: an event moved to another unit or
        # category, or its leaders changed, after its records were approved.
        pre_save.connect(earning.before_event_saved, sender=Event, dispatch_uid="points-event-before")
        post_save.connect(earning.event_saved, sender=Event, dispatch_uid="points-event-saved")
        m2m_changed.connect(
            earning.event_leaders_changed, sender=Event.leaders.through, dispatch_uid="points-event-leaders"
        )

        account_closing.connect(gifts.withdraw_on_closing, dispatch_uid="points-withdraw-gifts")

        # A volunteer's points are frozen while a correction request of theirs is pending.
        post_save.connect(watch.on_correction_saved, sender=CorrectionRequest, dispatch_uid="points-freeze-disputed")
        post_delete.connect(watch.on_correction_saved, sender=CorrectionRequest, dispatch_uid="points-thaw-deleted")
