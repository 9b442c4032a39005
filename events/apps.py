from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and service records")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from events import account_closing
        from events.models import Event
        from events.signals import announce_event_changes
        from volunteers.signals import account_closing as closing

        post_save.connect(announce_event_changes, sender=Event, dispatch_uid="events-announce-changes")

        # A closing account's refused scans lose the phone's address and browser.
        closing.connect(account_closing.forget_scan_devices, dispatch_uid="events-forget-scan-devices")
