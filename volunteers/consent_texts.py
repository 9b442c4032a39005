"""The consent texts volunteers agree to, by version.

A text once published is never edited: a change is a new version, and each
ConsentRecord names the version agreed to (PIPL art. 14, 17), so what someone
consented to can always be shown.
"""

from django.utils.translation import gettext_lazy as _

CURRENT_VERSION = "2026-11"

TEXTS = {
    "2026-11": {
        "registration": _(
            "I agree that my practice unit and its higher units process my name, ID document, mobile number, "
            "birth date and gender, political status, skills and volunteer service records to register me, "
            "organise volunteer service, record it and issue certificates of it, as the Regulations on Volunteer "
            "Service (art. 19) require. I may download my data and close my account at any time; the service "
            "records certificates rest on are then kept under my name and masked ID number only."
        ),
        "guardian": _(
            "As the guardian named here, I agree to the registration of this minor and to the processing of "
            "their personal information for volunteer service."
        ),
    },
}
