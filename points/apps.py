from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "points"
    verbose_name = _("Points and the love supermarket")

    def ready(self) -> None:
        # Points follow approved hours however they move (approval, rejection, correction).
        from events.models import ServiceRecord
        from events.signals import hours_changed
        from points import earning

        hours_changed.connect(earning.on_hours_changed, sender=ServiceRecord, dispatch_uid="points-follow-hours")

        # A volunteer's points are frozen while a correction request of theirs is pending.
        from django.db.models.signals import post_delete, post_save

        from events.models import CorrectionRequest
        from points import watch

        post_save.connect(watch.on_correction_saved, sender=CorrectionRequest, dispatch_uid="points-freeze-disputed")
        post_delete.connect(watch.on_correction_saved, sender=CorrectionRequest, dispatch_uid="points-thaw-deleted")
