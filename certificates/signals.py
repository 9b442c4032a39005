"""What certificates/ tells the apps above it (notifications), without knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that issued them, once per call (a bulk batch sends its whole batch):
#
#     certificates_issued.send(sender=Certificate, certificates=[certificate, ...])
certificates_issued = Signal()

# Sent inside the transaction when a volunteer's request is accepted (a certificate issued) or declined:
#
#     request_answered.send(sender=CertificateRequest, certificate_request=certificate_request)
request_answered = Signal()
