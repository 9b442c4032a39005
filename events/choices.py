"""The fixed values events' rows store and its codes carry, one spelling each.

Kept apart from the models so that modules loaded before the app registry (codes,
app configs, templates' contexts) can name them too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScanAction(models.TextChoices):
    """What a scan does: the action an event code names, a refused scan tried, a kiosk shows."""

    IN = "in", _("Check in")
    OUT = "out", _("Check out")


class RecordFlag(models.TextChoices):
    """Why a service record needs a manager's look before approval (blank: nothing to see)."""

    MISSING_CHECKOUT = "missing_checkout", _("No check-out")


class ChangeAction(models.TextChoices):
    """What a change in a service record's history did."""

    CHECK_IN = "check_in", _("Checked in")
    CHECK_OUT = "check_out", _("Checked out")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    CORRECT_TIMES = "correct_times", _("Times corrected")
    MANUAL_CREATE = "manual_create", _("Entered manually")
    AUTO_CLOSE = "auto_close", _("Closed automatically (no check-out)")
    # An offline scan uploaded long after its time set the record's times (events.offline_merge):
    # the device claimed that time, so its scanner may not approve the record.
    LATE_UPLOAD = "late_upload", _("Scanned offline, uploaded late")
