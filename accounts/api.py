from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.audit import client_ip
from core.errors import DomainError

from .login_guard import LOCKED_MESSAGE, login_is_locked
from .models import AuthEventKind
from .services import auth_event_record


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """Exchange username and password for an API token (`Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        if login_is_locked(username, client_ip(request._request)):
            auth_event_record(kind=AuthEventKind.LOGIN_LOCKED, username=username[:150], request=request._request)
            raise DomainError("login_locked", LOCKED_MESSAGE, status_code=429)
        user = authenticate(request._request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise DomainError("invalid_credentials", "用户名或密码错误。", status_code=400)
        token, _ = Token.objects.get_or_create(user=user)
        auth_event_record(kind=AuthEventKind.TOKEN_ISSUED, user=user, request=request._request)
        return Response({"token": token.key})
