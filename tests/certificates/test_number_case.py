from certificates.services import Coverage, issue_certificate, verify_certificate
from stations.models import PracticeUnit
from tests.certificates.conftest import approved, event_on


def test_a_center_with_a_lowercase_code_issues_numbers_that_verify(tree, volunteer, admin_user):
    PracticeUnit.objects.filter(pk=tree["C"].pk).update(code="gl-center")
    event = event_on(tree["S1"], 3)
    approved(event, volunteer)
    certificate = issue_certificate(volunteer, tree["S1"], Coverage(event=event), by=admin_user)
    assert certificate.number.startswith("GL-CENTER-2026-")
    assert verify_certificate(certificate.number.lower(), certificate.verification_code.lower()) == certificate
