"""Complete certificates, the national export, the annual report and personal-data rights.

Reuses the certificate tests' storage, clock and helpers.
"""

from tests.certificates.conftest import approved, certificate_storage_and_tasks, event_on, in_2026, pdf_text  # noqa: F401
