"""The activity record (活动纪实) in the event's admin page: read here, completed on the phone page.

Photos are added on the record page (``/events/<id>/record/``), which re-encodes them
through ``events.activity``; the admin shows the thumbnails through the same
permission-checked file views, never a /media/ address.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import ActivityRecord

RECORD_FIELDS = (
    "summary",
    "people_served",
    "documented",
    "photo_thumbnails",
    "record_page",
    "updated_by",
    "updated_at",
)


class ActivityRecordInline(admin.StackedInline):
    model = ActivityRecord
    extra = 0
    can_delete = False
    fields = RECORD_FIELDS
    readonly_fields = RECORD_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by").prefetch_related("photos")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # The event around it is already scoped to the manager.
        return True

    @admin.display(description=_("documented"), boolean=True)
    def documented(self, record: ActivityRecord) -> bool:
        return record.is_complete

    @admin.display(description=_("photos"))
    def photo_thumbnails(self, record: ActivityRecord) -> str:
        photos = record.photos.all()
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}" title="{}"><img src="{}" alt="" height="80" style="border-radius:4px"></a>',
            (
                (
                    reverse("activity-photo-image", args=[photo.pk]),
                    date_format(timezone.localtime(photo.taken_at), "Y-m-d H:i") if photo.taken_at else "",
                    reverse("activity-photo-thumbnail", args=[photo.pk]),
                )
                for photo in photos
            ),
        )

    @admin.display(description=_("record page"))
    def record_page(self, record: ActivityRecord) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("event-record-page", args=[record.event_id]), gettext("Edit and add photos")
        )


class DocumentedFilter(admin.SimpleListFilter):
    """Events with a summary and enough photos, or without (``ACTIVITY_MIN_PHOTOS``)."""

    title = _("documented")
    parameter_name = "documented"

    def lookups(self, request, model_admin):
        return [("yes", _("Documented")), ("no", _("Not documented"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.documented()
        if self.value() == "no":
            return queryset.undocumented()
        return queryset
