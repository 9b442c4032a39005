"""Reporting on other apps' admin pages: events/ sits below reports/ and never imports it,
so the records' export action is added here, to a subclass of the events' admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events.admin import ServiceRecordAdmin
from events.models import ServiceRecord
from reports.statistics import exports


class ServiceRecordReportsAdmin(ServiceRecordAdmin):
    actions = [*ServiceRecordAdmin.actions, "export_selected"]

    @admin.action(description=_("Export the selected records (CSV)"))
    def export_selected(self, request, queryset):
        return exports.records_csv_response(queryset)


admin.site.unregister(ServiceRecord)
admin.site.register(ServiceRecord, ServiceRecordReportsAdmin)
