from collections.abc import Mapping

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import login_limits
from accounts.client_addresses import client_ip
from accounts.services import PasswordError, choose_password, revoke_credentials
from accounts.tokens import issue_token
from backend.login_serializers import PasswordChangeSerializer, TokenLoginSerializer, TokenSerializer
from stations.scoping import is_manager


class TokenLoginView(APIView):
    """Exchange a mobile number and password for an API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "login"

    @extend_schema(
        request=TokenLoginSerializer,
        responses={200: TokenSerializer, 429: OpenApiResponse(description="Too many failed attempts")},
    )
    # JSON bodies are not in an error report, but the frames' locals are: hide them all below here.
    @sensitive_variables()
    def post(self, request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        phone = str(data.get("phone", ""))
        if phone and login_limits.phone_locked(phone, client_ip(request)):
            raise Throttled(detail=_("Too many wrong passwords for this number: try again in 15 minutes."))
        serializer = TokenLoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # A new token per login (each device its own), only its digest stored.
        return token_response(serializer.validated_data["user"])


def token_response(user) -> Response:
    row, token = issue_token(user)
    body = {
        "token": token,
        "expiry": row.expiry,
        "user_id": user.pk,
        "name": user.name,
        "is_admin": user.is_superuser,
        "is_manager": is_manager(user),
        "password_change_required": user.password_change_required,
    }
    return Response(TokenSerializer(body).data, status=status.HTTP_200_OK)


class PasswordChangeView(APIView):
    """Choose a new password (required after logging in with a one-time password).

    Every login of the user ends, this one too; the answer carries a new token.
    """

    throttle_scope = "login"

    @extend_schema(
        request=PasswordChangeSerializer, responses=TokenSerializer, summary="修改密码（用一次性密码登录后须先修改）"
    )
    @sensitive_variables()
    def post(self, request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = choose_password(
                request.user,
                old_password=serializer.validated_data["old_password"],
                new_password=serializer.validated_data["new_password"],
            )
        except PasswordError as error:
            # The service judges the passwords (as for the page); its refusal names the field.
            field = "old_password" if error.code == "wrong_password" else "new_password"
            raise ValidationError({field: [error.detail]}) from None
        return token_response(user)


class LogoutView(APIView):
    """End this login: the token the request carries is deleted (a session is ended)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        else:
            logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    """End every login of the caller: all their tokens and sessions (a lost phone)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request) -> Response:
        revoke_credentials(request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhoAmISerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()


class WhoAmIView(APIView):
    """Who the token or session belongs to: a cheap check that a login still works."""

    @extend_schema(responses=WhoAmISerializer)
    def get(self, request) -> Response:
        return Response({"user_id": request.user.pk, "name": request.user.name})


class LoginView(auth_views.LoginView):
    """The login page, with the same brute-force limits as the token login."""

    redirect_authenticated_user = True

    @sensitive_variables()
    def post(self, request, *args, **kwargs) -> HttpResponse:
        phone = request.POST.get("username", "")
        ip = client_ip(request)
        if login_limits.address_blocked(ip) or (phone and login_limits.phone_locked(phone, ip)):
            # An unbound form: a refused attempt costs no password hash.
            form = self.get_form_class()(request)
            return self.render_to_response(
                self.get_context_data(form=form, refused=_("Too many attempts: try again in 15 minutes.")),
                status=429,
            )
        return super().post(request, *args, **kwargs)
