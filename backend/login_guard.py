"""The authentication backend every login goes through, behind the limits of ``accounts.login_limits``."""

from django.contrib.auth.backends import ModelBackend

from accounts import login_limits
from accounts.client_addresses import client_ip
from accounts.phones import normalize_phone


class ThrottledLoginBackend(ModelBackend):
    """Django's model backend behind the brute-force limits: no password is checked
    for a number locked for this address or everywhere, or for a blocked address,
    and a success clears this address's count for the number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        phone = username or kwargs.get("phone")
        if phone is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        if not login_limits.admit_attempt(phone, ip):
            return None
        user = super().authenticate(request, username=normalize_phone(phone), password=password)
        if user is not None:
            login_limits.record_success(phone, ip)
        return user
