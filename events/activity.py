"""Activity records (活动纪实): an event's managers and leaders record what it did, whom it served, and photos.

The substance of a station's ledger (台账). Photos show residents, so they are
re-encoded without EXIF (``events.photos``), stored under random names and served
only through permission-checked views.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import User
from events.models import MAX_PEOPLE_SERVED, ActivityPhoto, ActivityRecord, Event, EventStatus
from events.photos import PhotoRejected, PreparedPhoto, check_photos, prepare_photo

# Enough for any ledger page; bounds what one event can put into the storage.
MAX_PHOTOS_PER_EVENT = 30
MAX_SUMMARY_CHARS = 5000
MAX_CAPTION_CHARS = 100


class ActivityError(DomainError):
    messages = {
        "not_allowed": _("Only the event's managers and leaders can document it."),
        "event_not_held": _("Only events that took place can be documented: this one is a draft or cancelled."),
        "event_not_started": _("The event has not started yet: document it once it is under way or over."),
        "too_many_photos": _("An event keeps at most 30 photos: delete some before adding more."),
        "bad_photo": _("Upload a photo (JPEG, PNG, WebP or HEIC)."),
        "no_photos": _("Choose at least one photo."),
        "summary_too_long": _("The summary may be at most 5000 characters."),
        "bad_people_served": _("The number of people served must be between 0 and 1,000,000."),
    }
    status_codes = {
        "not_allowed": 403,
        "event_not_held": 409,
        "event_not_started": 409,
        "too_many_photos": 409,
    }


def _check_documentable(event: Event, by: User) -> None:
    if not Event.objects.run_by(by).filter(pk=event.pk).exists():
        raise ActivityError("not_allowed")
    if event.status in (EventStatus.DRAFT, EventStatus.CANCELLED):
        raise ActivityError("event_not_held")
    # From the start, not only after the end: photos taken at the venue can go up there and then.
    if event.starts_at > timezone.now():
        raise ActivityError("event_not_started")


def _locked_record(event: Event) -> ActivityRecord:
    """The event's record, created if missing, locked so that concurrent uploads count photos one at a time."""
    record, _created = ActivityRecord.objects.get_or_create(event=event)
    return ActivityRecord.objects.select_for_update().get(pk=record.pk)


@transaction.atomic
def document_event(event: Event, *, summary: str, people_served: int | None, by: User) -> ActivityRecord:
    """Set the event's summary and the number of people served (服务对象人数). Raises ActivityError."""
    _check_documentable(event, by)
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY_CHARS:
        raise ActivityError("summary_too_long")
    if people_served is not None and not 0 <= people_served <= MAX_PEOPLE_SERVED:
        raise ActivityError("bad_people_served")
    record = _locked_record(event)
    record.summary, record.people_served, record.updated_by = summary, people_served, by
    record.save(update_fields=["summary", "people_served", "updated_by", "updated_at"])
    return record


def add_activity_photos(event: Event, uploads: Sequence, *, by: User, caption: str = "") -> list[ActivityPhoto]:
    """Add photos to the event's record, all or none: each re-encoded, EXIF dropped, with a thumbnail.

    Raises ActivityError: ``bad_photo`` naming the file (or more than
    ``photos.MAX_PHOTOS_PER_REQUEST`` at once), ``too_many_photos`` past ``MAX_PHOTOS_PER_EVENT``.
    """
    return store_activity_photos(event, prepare_activity_photos(event, uploads, by=by), by=by, caption=caption)


def prepare_activity_photos(event: Event, uploads: Sequence, *, by: User) -> list[PreparedPhoto]:
    """The photos checked and decoded for ``store_activity_photos``: call it outside any transaction
    (on SQLite a transaction holds the whole database while the photos decode). Raises ActivityError."""
    _check_documentable(event, by)
    if not uploads:
        raise ActivityError("no_photos")
    if len(uploads) > MAX_PHOTOS_PER_EVENT:
        raise ActivityError("too_many_photos")
    try:
        # From their headers, before any is decoded: how many, and what decoding them would cost.
        check_photos(uploads)
    except PhotoRejected as rejection:
        raise ActivityError("bad_photo", str(rejection)) from None
    prepared: list[PreparedPhoto] = []
    # Decoded before any lock is taken: re-encoding a phone photo takes a while.
    for upload in uploads:
        try:
            prepared.append(prepare_photo(upload))
        except PhotoRejected as rejection:
            name = str(getattr(upload, "name", "") or "")[:60]
            raise ActivityError("bad_photo", f"{name}：{rejection}" if name else str(rejection)) from None
    return prepared


def store_activity_photos(
    event: Event, prepared: list[PreparedPhoto], *, by: User, caption: str = ""
) -> list[ActivityPhoto]:
    """Store photos made by ``prepare_activity_photos`` on the event's record, under its lock. Raises ActivityError."""
    caption = caption.strip()[:MAX_CAPTION_CHARS]
    saved_files = []
    try:
        with transaction.atomic():
            record = _locked_record(event)
            if record.photos.count() + len(prepared) > MAX_PHOTOS_PER_EVENT:
                raise ActivityError("too_many_photos")
            photos = []
            for item in prepared:
                photo = ActivityPhoto(record=record, taken_at=item.taken_at, caption=caption, uploaded_by=by)
                # Through the storage API: a local folder or an S3-compatible bucket alike.
                photo.image.save(item.image.name, item.image, save=False)
                saved_files.append(photo.image)
                photo.thumbnail.save(item.thumbnail.name, item.thumbnail, save=False)
                saved_files.append(photo.thumbnail)
                photo.save()
                photos.append(photo)
            record.updated_by = by
            record.save(update_fields=["updated_by", "updated_at"])
    except BaseException:
        # The rows rolled back; the files they named would be orphans nobody can reach.
        for file in saved_files:
            file.storage.delete(file.name)
        raise
    return photos


def add_activity_photo(event: Event, upload, *, by: User, caption: str = "") -> ActivityPhoto:
    """Add one photo to the event's record. Raises ActivityError (``bad_photo``, ``too_many_photos``...)."""
    return add_activity_photos(event, [upload], by=by, caption=caption)[0]


@transaction.atomic
def remove_activity_photo(photo: ActivityPhoto, *, by: User) -> None:
    """Delete a photo and, once the deletion is committed, its files. Raises ActivityError."""
    event = photo.record.event
    if not Event.objects.run_by(by).filter(pk=event.pk).exists():
        raise ActivityError("not_allowed")
    files = [(photo.image.storage, photo.image.name), (photo.thumbnail.storage, photo.thumbnail.name)]
    photo.delete()
    ActivityRecord.objects.filter(pk=photo.record_id).update(updated_by=by, updated_at=timezone.now())

    def delete_files() -> None:
        for storage, name in files:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
