"""Email through django.core.mail (EMAIL_BACKEND and the EMAIL_* settings) to the person's address."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.backends.base import BaseBackend, DeliveryError, Skip
from notifications.models import Address


class EmailBackend(BaseBackend):
    def send(self, message) -> str:
        address = Address.objects.filter(user_id=message.recipient_id).values_list("email", flat=True).first()
        if not address:
            raise Skip("no email address")
        body = message.body
        if message.link:
            link = message.link if message.link.startswith("http") else f"{settings.SITE_URL}{message.link}"
            body = f"{body}\n\n{link}"
        email = EmailMessage(subject=message.title, body=body, to=[address])
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"address refused: {error.recipients}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        return ""
