"""Workflows of certificates: issuing (single and in bulk), requests, revocation, verification."""

from __future__ import annotations

import datetime
import secrets
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from certificates import pdfs
from certificates.models import (
    BulkIssueJob,
    Certificate,
    CertificateCounter,
    CertificateRequest,
    CountedRecord,
    RequestStatus,
    Scope,
)
from certificates.signals import certificates_issued, request_answered
from events.models import Event, ServiceCategory, ServiceRecord
from jobs import runner
from jobs.pdfs import merge_pdfs
from jobs.runner import Progress
from jobs.services import start_job
from stations.models import PATH_STEP, PracticeUnit
from stations.scoping import is_under
from volunteers.id_numbers import mask_id_number
from volunteers.models import Award, Training, Volunteer

# No look-alikes (0/O, 1/I/L): the code is typed from paper when a QR code will not scan.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# How much of the service a certificate lists before it summarises.
MAX_EVENT_TITLES = 6
MAX_EVENTS_TEXT = 150
CENT = Decimal("0.01")


class CertificateError(DomainError):
    messages = {
        "no_hours": _("There are no approved hours to certify in this scope at this unit's events."),
        "outside_unit": _("A unit certifies only hours of events organised within its own subtree."),
        "invalid_period": _("The period must end on or after its start."),
        "scope_required": _("Give either one event or a period."),
        "already_issued": _("A valid certificate for this volunteer, unit and scope already exists."),
        "already_revoked": _("This certificate has already been revoked."),
        "reason_required": _("A reason is required."),
        "already_requested": _("You have already asked this unit for a certificate of this scope."),
        "not_pending": _("This request has already been decided."),
        "not_found": _("No certificate with this number and verification code exists."),
        "no_volunteer_profile": _("Only registered volunteers can do this."),
        "job_not_finished": _("The job has not finished yet."),
    }
    status_codes = {
        "no_hours": 409,
        "already_issued": 409,
        "already_revoked": 409,
        "already_requested": 409,
        "not_pending": 409,
        "not_found": 404,
        "no_volunteer_profile": 403,
        "job_not_finished": 409,
    }


@dataclass(frozen=True)
class Coverage:
    """What a certificate covers: one event, or every event starting within a period (dates inclusive)."""

    event: Event | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None

    @property
    def scope(self) -> str:
        return Scope.EVENT if self.event is not None else Scope.PERIOD

    def check(self, unit: PracticeUnit) -> None:
        """Raise CertificateError unless ``unit`` may certify this."""
        if self.event is not None:
            # 谁组织谁记录，谁记录谁证明: only the organiser's own subtree certifies an event.
            if not is_under(self.event.unit, unit):
                raise CertificateError("outside_unit")
            return
        start, end = self.period
        if end < start:
            raise CertificateError("invalid_period")

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        """The first and last day of a coverage that is a period. Raises CertificateError."""
        if self.period_start is None or self.period_end is None:
            raise CertificateError("scope_required")
        return self.period_start, self.period_end


def approved_records(unit: PracticeUnit, coverage: Coverage):
    """Approved records of events organised within ``unit``'s subtree, in the coverage."""
    records = ServiceRecord.objects.approved().filter(event__unit__in=PracticeUnit.objects.subtree_of(unit))
    if coverage.event is not None:
        return records.filter(event=coverage.event)
    tz = timezone.get_default_timezone()
    first_day, last_day = coverage.period
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return records.filter(event__starts_at__gte=start, event__starts_at__lt=end)


@dataclass
class ServiceFacts:
    """What a volunteer did in a coverage: the numbers and texts a certificate freezes."""

    hours: Decimal
    record_count: int
    categories: list[str]
    titles: list[str]
    # (record id, credited hours): what the certificate counted, kept to notice later changes.
    records: list[tuple[int, Decimal]] = field(default_factory=list)


def service_facts(unit: PracticeUnit, coverage: Coverage, volunteer_ids: list[int]) -> dict[int, ServiceFacts]:
    """Facts per volunteer, in two queries whatever the number of volunteers."""
    records = approved_records(unit, coverage).filter(volunteer_id__in=volunteer_ids)
    facts = {
        # SQLite sums decimals as floats: back to two places.
        row["volunteer_id"]: ServiceFacts((row["hours"] or Decimal(0)).quantize(CENT), row["count"], [], [])
        # 「共服务N次」 counts services that credited time: a zero-hour record is no service.
        for row in records.values("volunteer_id").annotate(
            hours=Sum("credited_hours"), count=Count("id", filter=Q(credited_hours__gt=0))
        )
    }
    labels = dict(ServiceCategory.choices)
    rows = records.order_by("event__starts_at", "event_id").values_list(
        "volunteer_id", "event__category", "event__title", "id", "credited_hours"
    )
    for volunteer_id, category, title, record_id, hours in rows:
        fact = facts[volunteer_id]
        # Kept even at zero hours, so a later change of its hours flags the certificate.
        fact.records.append((record_id, hours))
        if not hours:
            continue
        label = str(labels.get(category, category))
        if label not in fact.categories:
            fact.categories.append(label)
        if title not in fact.titles:
            fact.titles.append(title)
    return facts


def summarise_titles(titles: list[str]) -> str:
    """Event titles joined, cut to a few when long so the certificate keeps to one page."""
    shown: list[str] = []
    for title in titles[:MAX_EVENT_TITLES]:
        if shown and len("、".join([*shown, title])) > MAX_EVENTS_TEXT:
            break
        shown.append(title)
    text = "、".join(shown)
    if len(shown) < len(titles):
        text = gettext("%(titles)s and others, %(count)d events in all") % {"titles": text, "count": len(titles)}
    return text


def make_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issuing_center(unit: PracticeUnit) -> PracticeUnit:
    """The center at the root of the unit's path: certificates are numbered per center."""
    return PracticeUnit.objects.get(path=unit.path[:PATH_STEP])


def lock_counter(unit: PracticeUnit, year: int) -> CertificateCounter:
    """The certificate counter of the unit's center and year, locked until the transaction ends.

    Every issue takes this lock first, so simultaneous issuing waits its turn (no
    duplicate numbers, and duplicate certificates are checked under it) and a
    rolled-back issue gives its number back (no gaps).
    """
    center = issuing_center(unit)
    counter, _ = CertificateCounter.objects.get_or_create(center=center, year=year)
    return CertificateCounter.objects.select_for_update(of=("self",)).select_related("center").get(pk=counter.pk)


def take_numbers(counter: CertificateCounter, count: int) -> list[str]:
    """The next ``count`` numbers of a locked counter, e.g. DEMO-C-2026-000001."""
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    # Upper case, as verification reads numbers typed or scanned in any case.
    prefix = counter.center.code.upper()
    return [f"{prefix}-{counter.year}-{n:06d}" for n in range(first, first + count)]


def build_certificate(
    volunteer: Volunteer,
    unit: PracticeUnit,
    coverage: Coverage,
    facts: ServiceFacts,
    *,
    number: str,
    at: datetime.datetime,
    by: User | None,
    handler_name: str = "",
    remarks: str = "",
    bulk_job: BulkIssueJob | None = None,
    effective_at: datetime.datetime | None = None,
    include_trainings: bool = False,
    include_awards: bool = False,
) -> Certificate:
    """An unsaved certificate with everything it states copied in (frozen), texts in Chinese.

    It states the holder's document type and masked number, the unit's person in
    charge (负责人) and handler (经办人) (民发〔2015〕149号; 办法 art. 14-15), and on
    request the volunteer's trainings and awards (办法 art. 8-9).
    """
    with translation.override(settings.LANGUAGE_CODE):
        if coverage.event is not None:
            service_time = _format_date(timezone.localtime(coverage.event.starts_at).date())
        else:
            first_day, last_day = coverage.period
            service_time = gettext("%(start)s to %(end)s") % {
                "start": _format_date(first_day),
                "end": _format_date(last_day),
            }
        id_type = str(volunteer.get_id_type_display())
        trainings_text = training_lines(volunteer) if include_trainings else ""
        awards_text = award_lines(volunteer) if include_awards else ""
        categories = "、".join(facts.categories)
    return Certificate(
        number=number,
        verification_code=make_verification_code(),
        volunteer=volunteer,
        unit=unit,
        scope=coverage.scope,
        event=coverage.event,
        period_start=coverage.period_start,
        period_end=coverage.period_end,
        hours=facts.hours,
        record_count=facts.record_count,
        volunteer_name=volunteer.real_name,
        volunteer_number=volunteer.number or "",
        id_type=id_type,
        masked_id_number=mask_id_number(volunteer.id_number),
        service_categories=categories[:300],
        service_events=summarise_titles(facts.titles),
        event_title=coverage.event.title if coverage.event is not None else "",
        service_time=service_time,
        unit_name=unit.name,
        person_in_charge=unit.person_in_charge,
        handler_name=(handler_name or unit.handler_name or (getattr(by, "name", "") or ""))[:30],
        contact_phone=unit.contact_phone,
        remarks=remarks,
        issued_at=at,
        issued_by=by,
        bulk_job=bulk_job,
        effective_at=effective_at,
        trainings_text=trainings_text,
        awards_text=awards_text,
    )


# A certificate keeps to one page: at most this many trainings or awards are listed.
MAX_SECTION_LINES = 4


def training_lines(volunteer: Volunteer) -> str:
    """The volunteer's latest trainings, one per line: date, name, hours, organiser."""
    rows = Training.objects.filter(attendees=volunteer).order_by("-held_on", "-id")[:MAX_SECTION_LINES]
    return "\n".join(
        gettext("%(day)s %(name)s, %(hours)s hours, by %(organiser)s")
        % {"day": _format_date(row.held_on), "name": row.name, "hours": row.hours, "organiser": row.organiser}
        for row in rows
    )


def award_lines(volunteer: Volunteer) -> str:
    """The volunteer's latest awards meant for certificates, one per line: date, name, awarding body."""
    rows = Award.objects.filter(volunteer=volunteer, on_certificates=True).order_by("-awarded_on", "-id")
    return "\n".join(
        f"{_format_date(row.awarded_on)} {row.name}（{row.awarding_body}）" for row in rows[:MAX_SECTION_LINES]
    )


def _format_date(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def count_records(certificates: list[Certificate], facts: dict[int, ServiceFacts]) -> None:
    """Keep which records each (saved) certificate counted, with their hours at issue."""
    CountedRecord.objects.bulk_create(
        CountedRecord(certificate=certificate, record_id=record_id, hours=hours)
        for certificate in certificates
        for record_id, hours in facts[certificate.volunteer_id].records
    )


def _attach_pdf(certificate: Certificate, page: pdfs.Page) -> None:
    certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(page.pdf), save=False)
    certificate.pdf_sha256 = page.sha256


def issue_certificate(
    volunteer: Volunteer,
    unit: PracticeUnit,
    coverage: Coverage,
    *,
    by: User,
    handler_name: str = "",
    remarks: str = "",
    at: datetime.datetime | None = None,
    publicity_days: int = 0,
    include_trainings: bool = False,
    include_awards: bool = False,
) -> Certificate:
    """Issue a certificate of the volunteer's approved hours at ``unit``'s events in the coverage.

    The hours, texts and names are frozen into the certificate and its PDF is rendered
    once and stored with its SHA-256. With ``publicity_days`` the certificate is
    announced first (公示, 民发〔2015〕149号) and takes effect that many days later;
    verification says so meanwhile. Raises CertificateError (outside_unit,
    invalid_period, no_hours, already_issued).
    """
    coverage.check(unit)
    at = at or timezone.now()
    facts = service_facts(unit, coverage, [volunteer.pk]).get(volunteer.pk)
    if facts is None or facts.hours <= 0:
        raise CertificateError("no_hours")
    try:
        with transaction.atomic():
            counter = lock_counter(unit, timezone.localtime(at).year)
            covering = Certificate.objects.valid().covering(
                unit=unit, event=coverage.event, period_start=coverage.period_start, period_end=coverage.period_end
            )
            if covering.filter(volunteer=volunteer).exists():
                raise CertificateError("already_issued")
            (number,) = take_numbers(counter, 1)
            certificate = build_certificate(
                volunteer,
                unit,
                coverage,
                facts,
                number=number,
                at=at,
                by=by,
                handler_name=handler_name,
                remarks=remarks,
                effective_at=at + datetime.timedelta(days=publicity_days) if publicity_days > 0 else None,
                include_trainings=include_trainings,
                include_awards=include_awards,
            )
            _attach_pdf(certificate, pdfs.render_certificate(certificate))
            certificate.save()
            count_records([certificate], {volunteer.pk: facts})
            certificates_issued.send(sender=Certificate, certificates=[certificate])
    except IntegrityError:
        # The partial unique constraints caught a duplicate issued across a year boundary.
        raise CertificateError("already_issued") from None
    return certificate


@transaction.atomic
def revoke_certificate(
    certificate: Certificate, *, by: User, reason: str, at: datetime.datetime | None = None
) -> Certificate:
    """Revoke a certificate: it stays on record and verification says revoked. Raises CertificateError."""
    if not reason.strip():
        raise CertificateError("reason_required")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CertificateError("already_revoked")
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = at or timezone.now(), by, reason.strip()
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    return certificate


@transaction.atomic
def reissue_certificate(certificate: Certificate, *, by: User, reason: str, handler_name: str = "") -> Certificate:
    """Revoke a certificate and issue its scope anew from the approved records as they are now.

    For a certificate whose records changed after issue. Both happen or neither:
    without approved hours left the revocation is undone and CertificateError
    ``no_hours`` is raised (revoke it instead). Raises CertificateError.
    """
    old = revoke_certificate(certificate, by=by, reason=reason)
    coverage = Coverage(event=old.event, period_start=old.period_start, period_end=old.period_end)
    return issue_certificate(
        old.volunteer, old.unit, coverage, by=by, handler_name=handler_name or old.handler_name, remarks=old.remarks
    )


def verify_certificate(number: str, code: str) -> Certificate:
    """The certificate with this number and code; a wrong code and an unknown number fail alike."""
    certificate = (
        Certificate.objects.with_review_state().filter(number=number.strip().upper()).select_related("event").first()
    )
    expected = certificate.verification_code if certificate is not None else make_verification_code()
    # Compared in constant time, also for unknown numbers, so timing tells nothing either.
    if not secrets.compare_digest(expected.encode(), code.strip().upper().encode()) or certificate is None:
        raise CertificateError("not_found")
    return certificate


# Requests -----------------------------------------------------------------------------


@transaction.atomic
def request_certificate(
    volunteer: Volunteer, unit: PracticeUnit, coverage: Coverage, *, purpose: str = ""
) -> CertificateRequest:
    """A volunteer asks ``unit`` for a certificate. Raises CertificateError."""
    coverage.check(unit)
    # One volunteer's requests one after the other, so a double tap asks only once.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    facts = service_facts(unit, coverage, [volunteer.pk]).get(volunteer.pk)
    if facts is None or facts.hours <= 0:
        raise CertificateError("no_hours")
    pending = CertificateRequest.objects.filter(
        volunteer=volunteer,
        unit=unit,
        status=RequestStatus.PENDING,
        event=coverage.event,
        period_start=coverage.period_start,
        period_end=coverage.period_end,
    )
    if pending.exists():
        raise CertificateError("already_requested")
    return CertificateRequest.objects.create(
        volunteer=volunteer,
        unit=unit,
        scope=coverage.scope,
        event=coverage.event,
        period_start=coverage.period_start,
        period_end=coverage.period_end,
        purpose=purpose.strip(),
    )


@transaction.atomic
def accept_request(
    certificate_request: CertificateRequest, *, by: User, handler_name: str = "", remarks: str = ""
) -> CertificateRequest:
    """Issue the certificate a volunteer asked for. Raises CertificateError."""
    certificate_request = (
        CertificateRequest.objects.select_for_update(of=("self",)).select_related("volunteer", "unit", "event__unit")
    ).get(pk=certificate_request.pk)
    if certificate_request.status != RequestStatus.PENDING:
        raise CertificateError("not_pending")
    coverage = Coverage(
        event=certificate_request.event,
        period_start=certificate_request.period_start,
        period_end=certificate_request.period_end,
    )
    certificate = issue_certificate(
        certificate_request.volunteer,
        certificate_request.unit,
        coverage,
        by=by,
        handler_name=handler_name,
        remarks=remarks,
    )
    certificate_request.status, certificate_request.certificate = RequestStatus.ISSUED, certificate
    certificate_request.decided_by, certificate_request.decided_at = by, certificate.issued_at
    certificate_request.save(update_fields=["status", "certificate", "decided_by", "decided_at", "updated_at"])
    request_answered.send(sender=CertificateRequest, certificate_request=certificate_request)
    return certificate_request


@transaction.atomic
def decline_request(certificate_request: CertificateRequest, *, by: User, reason: str) -> CertificateRequest:
    """Decline a request with a reason the volunteer sees. Raises CertificateError."""
    if not reason.strip():
        raise CertificateError("reason_required")
    certificate_request = CertificateRequest.objects.select_for_update().get(pk=certificate_request.pk)
    if certificate_request.status != RequestStatus.PENDING:
        raise CertificateError("not_pending")
    certificate_request.status, certificate_request.decline_reason = RequestStatus.DECLINED, reason.strip()
    certificate_request.decided_by, certificate_request.decided_at = by, timezone.now()
    certificate_request.save(update_fields=["status", "decline_reason", "decided_by", "decided_at", "updated_at"])
    request_answered.send(sender=CertificateRequest, certificate_request=certificate_request)
    return certificate_request


# Bulk issuing ---------------------------------------------------------------------------


def start_bulk_job(
    unit: PracticeUnit, period_start: datetime.date, period_end: datetime.date, *, by: User, remarks: str = ""
) -> tuple[BulkIssueJob, bool]:
    """Queue a job issuing certificates of the period for the unit's volunteers.

    Returns the job and whether it is new: while a job for the same unit and period
    is queued or running, starting again returns that one (resumed first if its
    worker died). Raises CertificateError.
    """
    Coverage(period_start=period_start, period_end=period_end).check(unit)
    scope = {"unit": unit, "period_start": period_start, "period_end": period_end}
    return start_job(BulkIssueJob, scope, defaults={"remarks": remarks, "created_by": by})


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_bulk_job(job_id: int, *, batch_size: int | None = None) -> BulkIssueJob:
    """Run a bulk job now (the worker does this through ``jobs``); returns the job as it ended."""
    return runner.run(BulkIssueJob, job_id, batch_size=batch_size)


def issue_in_bulk(job: BulkIssueJob, progress: Progress, *, batch_size: int | None = None) -> None:
    """The work of a bulk job (``BulkIssueJob.work``): issue, batch by batch, then pack the ZIP and the combined PDF.

    Volunteers with zero approved hours are skipped, those already holding a valid
    certificate of the unit for the period are counted and not issued again, so a
    job can be run again (resumed) safely. Each batch is laid out as one document and
    committed on its own; progress is saved after each.
    """
    batch_size = batch_size or settings.CERTIFICATE_BATCH_SIZE
    coverage = Coverage(period_start=job.period_start, period_end=job.period_end)
    totals = dict(
        approved_records(job.unit, coverage)
        .values("volunteer_id")
        .annotate(hours=Sum("credited_hours"))
        .values_list("volunteer_id", "hours")
        .order_by("volunteer_id")
    )
    holders = set(
        Certificate.objects.valid()
        .covering(unit=job.unit, event=None, period_start=job.period_start, period_end=job.period_end)
        .values_list("volunteer_id", flat=True)
    )
    zero = [pk for pk, hours in totals.items() if not hours or hours <= 0]
    done = [pk for pk in totals if pk in holders and pk not in zero]
    todo = [pk for pk in totals if pk not in holders and pk not in zero]
    # Issued by an earlier attempt of this job: counted among those already issued.
    issued_before = Certificate.objects.filter(bulk_job=job, volunteer_id__in=done).count()
    processed = len(zero) + len(done)
    progress.count(
        processed,
        len(totals),
        total=len(totals),
        skipped_zero_hours=len(zero),
        issued=issued_before,
        already_issued=len(done) - issued_before,
        processed=processed,
    )
    with tempfile.TemporaryDirectory(prefix="certificates-") as folder:
        batch_files = []
        for number, volunteer_ids in enumerate(chunks(todo, batch_size)):
            batch_file = Path(folder) / f"batch-{number:05d}.pdf"
            if _issue_batch(job, coverage, volunteer_ids, batch_file):
                batch_files.append(batch_file)
            processed += len(volunteer_ids)
            progress.count(processed, len(totals))
        _pack(job, coverage, batch_files, Path(folder))


def _issue_batch(job: BulkIssueJob, coverage: Coverage, volunteer_ids: list[int], batch_file: Path) -> bool:
    """Issue one batch in one transaction; write its combined PDF to ``batch_file``. False if none was due."""
    at = timezone.now()
    facts = service_facts(job.unit, coverage, volunteer_ids)
    volunteers = Volunteer.objects.in_bulk(volunteer_ids)
    with transaction.atomic():
        counter = lock_counter(job.unit, timezone.localtime(at).year)
        # Someone may have issued one of these meanwhile: checked again under the lock.
        holders = set(
            Certificate.objects.valid()
            .covering(unit=job.unit, event=None, period_start=job.period_start, period_end=job.period_end)
            .filter(volunteer_id__in=volunteer_ids)
            .values_list("volunteer_id", flat=True)
        )
        volunteer_ids = [pk for pk in volunteer_ids if pk not in holders]
        if holders:
            BulkIssueJob.objects.filter(pk=job.pk).update(
                already_issued=F("already_issued") + len(holders), processed=F("processed") + len(holders)
            )
        if not volunteer_ids:
            return False
        numbers = take_numbers(counter, len(volunteer_ids))
        certificates = [
            build_certificate(
                volunteers[pk],
                job.unit,
                coverage,
                facts[pk],
                number=number,
                at=at,
                by=job.created_by,
                remarks=job.remarks,
                bulk_job=job,
            )
            for pk, number in zip(volunteer_ids, numbers, strict=True)
        ]
        batch = pdfs.render_batch(certificates)
        for certificate, page in zip(certificates, batch.pages, strict=True):
            _attach_pdf(certificate, page)
        Certificate.objects.bulk_create(certificates)
        count_records(certificates, facts)
        certificates_issued.send(sender=Certificate, certificates=certificates)
        BulkIssueJob.objects.filter(pk=job.pk).update(
            issued=F("issued") + len(certificates),
            processed=F("processed") + len(certificates),
            updated_at=timezone.now(),
        )
    batch_file.write_bytes(batch.combined)
    return True


def _sources(batch_files: list[Path], earlier: list[Certificate]) -> Iterator[str | bytes]:
    yield from (str(path) for path in batch_files)
    for certificate in earlier:
        with certificate.pdf.open("rb") as pdf:
            yield pdf.read()


def _pack(job: BulkIssueJob, coverage: Coverage, batch_files: list[Path], folder: Path) -> None:
    """One ZIP of every valid certificate of the job's scope, and one PDF of them all for printing."""
    certificates = (
        Certificate.objects.valid()
        .covering(unit=job.unit, event=None, period_start=job.period_start, period_end=job.period_end)
        .order_by("number")
    )
    earlier = [certificate for certificate in certificates if certificate.bulk_job_id != job.pk]
    zip_path, combined_path = folder / "certificates.zip", folder / "certificates.pdf"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates.iterator(chunk_size=200):
            with certificate.pdf.open("rb") as pdf:
                archive.writestr(certificate.download_name, pdf.read())
    with combined_path.open("wb") as combined:
        # This job's batches share their fonts; earlier certificates come one by one.
        merge_pdfs(_sources(batch_files, earlier), combined)
    stem = f"{job.unit.code}-{job.period_start:%Y%m%d}-{job.period_end:%Y%m%d}-{job.pk}"
    with zip_path.open("rb") as archive, combined_path.open("rb") as combined:
        job.zip_file.save(f"{stem}.zip", File(archive), save=False)
        job.combined_pdf.save(f"{stem}.pdf", File(combined), save=False)
    BulkIssueJob.objects.filter(pk=job.pk).update(
        zip_file=job.zip_file.name, combined_pdf=job.combined_pdf.name, updated_at=timezone.now()
    )
