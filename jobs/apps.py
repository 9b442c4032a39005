from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Shared infrastructure of the apps above: background jobs, private files, PDF rendering."""

    name = "jobs"
    verbose_name = _("Background jobs")
