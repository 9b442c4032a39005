"""The outbox: every message is a row before it is sent; consents, addresses, choices and calendar feeds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notifications.kinds import KINDS, Channel

KIND_CHOICES = [(code, kind.label) for code, kind in KINDS.items()]


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Claimed by a sender: a row left here by a crash is retried after NOTIFY_SENDING_STALE_SECONDS.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class MessageQuerySet(models.QuerySet):
    def inbox_of(self, user) -> MessageQuerySet:
        return self.filter(recipient=user, channel=Channel.INBOX, status=MessageStatus.SENT)

    def unread(self) -> MessageQuerySet:
        return self.filter(read_at__isnull=True)


class Message(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    # Deduplication: one message per recipient, channel and occasion (e.g. "reminder:signup:42:2026-12-08T09:00"),
    # so a job run twice, at once or after a restart, sends each once.
    key = models.CharField(_("deduplication key"), max_length=200)
    about_type = models.ForeignKey(
        ContentType, verbose_name=_("about (type)"), on_delete=models.CASCADE, null=True, blank=True
    )
    about_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=2000)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # The template variables for SMS and WeChat templates (short strings), by the kind's template.
    params = models.JSONField(_("template variables"), default=dict, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Quiet hours: a message queued at night waits until this time.
    not_before = models.DateTimeField(_("not before"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # A message about something that starts (a reminder) is skipped, not sent late, after this time.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel", "key"], name="message_once_per_occasion"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="message_channel_known"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["recipient", "channel", "read_at"], name="message_inbox_idx"),
            models.Index(fields=["recipient", "channel", "sent_at"], name="message_daily_cap_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.title}"


class Preference(models.Model):
    """A person's choice for one kind on one channel; without a row the kind's default holds."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_choices"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification choice")
        verbose_name_plural = _("notification choices")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="one_choice_per_kind_channel")]

    def __str__(self) -> str:
        return f"{self.kind} · {self.channel}: {self.enabled}"


class Address(models.Model):
    """Where a person is reached beyond their mobile number (the login): email and WeChat openid."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_address"
    )
    email = models.EmailField(_("email"), blank=True)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification address")
        verbose_name_plural = _("notification addresses")

    def __str__(self) -> str:
        return str(self.user)


class WechatConsent(models.Model):
    """One accepted wx.requestSubscribeMessage: allows exactly one subscription message of the template."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="wechat_consents"
    )
    template_id = models.CharField(_("template id"), max_length=64)
    granted_at = models.DateTimeField(_("granted at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.OneToOneField(
        Message, verbose_name=_("used by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("WeChat consent")
        verbose_name_plural = _("WeChat consents")
        indexes = [models.Index(fields=["user", "template_id", "used_at"], name="wechat_consent_unused_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.template_id}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A private iCalendar feed: a volunteer's events, or a unit's; the secret URL can be reset."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer's user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    unit = models.OneToOneField(
        "stations.PracticeUnit",
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    token = models.CharField(_("secret"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reset_at = models.DateTimeField(_("reset at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, unit__isnull=True) | Q(user__isnull=True, unit__isnull=False),
                name="calendar_feed_of_user_or_unit",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.unit)


class JobRun(models.Model):
    """When each periodic job (reminders, digests, series, no-shows) last ran to the end."""

    name = models.CharField(_("job"), max_length=40, unique=True)
    finished_at = models.DateTimeField(_("finished at"))

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self) -> str:
        return self.name
