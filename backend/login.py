from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.login_serializers import TokenLoginSerializer, TokenSerializer
from stations.models import is_manager


class TokenLoginView(APIView):
    """Exchange a mobile number and password for an API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=TokenLoginSerializer, responses={200: TokenSerializer})
    def post(self, request) -> Response:
        serializer = TokenLoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        body = {
            "token": token.key,
            "user_id": user.pk,
            "name": user.name,
            "is_admin": user.is_superuser,
            "is_manager": is_manager(user),
        }
        return Response(TokenSerializer(body).data, status=status.HTTP_200_OK)
