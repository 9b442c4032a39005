"""The base of every background job: one row per job, its state, progress and heartbeat.

A kind of job (bulk certificates, ledgers, and whatever comes next) is a concrete
model inheriting ``BackgroundJob``: its own scope fields and results, and the dotted
path of the function doing its work. ``jobs.services`` starts, queues, resumes and
expires jobs of every kind alike; ``jobs.runner`` runs them in the task worker.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class BackgroundJobQuerySet(models.QuerySet):
    """What a kind's manager is made from (``objects = ...QuerySet.as_manager()``)."""

    def active(self) -> BackgroundJobQuerySet:
        """Queued or running: the jobs a second request for the same scope is answered with."""
        return self.filter(status__in=ACTIVE)

    def stale(self, older_than: datetime.timedelta, now: datetime.datetime | None = None) -> BackgroundJobQuerySet:
        """Active jobs whose heartbeat (``updated_at``) is older than ``older_than``: their worker is gone."""
        return self.active().filter(updated_at__lt=(now or timezone.now()) - older_than)


class BackgroundJob(models.Model):
    """State, progress and heartbeat of a job run by the task worker.

    ``updated_at`` is the heartbeat: the runner touches it at every step of
    progress, so an active job whose ``updated_at`` is older than ``stale_after`` has
    lost its worker (killed, restarted, out of memory). Such a job is queued again
    (its work must therefore be safe to run again and skip what is done) until it has
    been started ``max_attempts`` times, then marked failed.
    """

    # The function doing the work, ``work(job, progress, **options)``: named, not
    # imported, so that models stay below the services that use them.
    work: ClassVar[str]
    # No heartbeat for this long: the worker is gone.
    stale_after: ClassVar[datetime.timedelta] = datetime.timedelta(minutes=15)
    # Starts (the first and the resumptions) before a job that keeps losing its worker fails.
    max_attempts: ClassVar[int] = 3

    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        """Active, and no heartbeat for ``stale_after``."""
        return self.is_active and self.updated_at < (now or timezone.now()) - self.stale_after

    @classmethod
    def kind(cls) -> str:
        """The name the task worker finds the model by, e.g. ``reports.ledgerjob``."""
        return cls._meta.label_lower
