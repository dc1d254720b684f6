from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError

from .authentication import token_expires_at
from .login_guard import login_refusal
from .models import AuthEventKind
from .services import api_token_issue, api_tokens_revoke, auth_event_record


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=16,
                                help_text="双因素验证码（须使用双因素认证的账号必填）")


class ObtainTokenView(APIView):
    """Exchange username and password for an API token (`Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("TokenResponse", {
                       "token": serializers.CharField(),
                       "expires_at": serializers.DateTimeField(help_text="令牌失效时间（签发后 API_TOKEN_TTL_HOURS 小时）"),
                   }))
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        refusal = login_refusal(request._request, username)
        if refusal is not None:
            raise DomainError("login_locked", refusal, status_code=429)
        user = authenticate(request._request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise DomainError("invalid_credentials", "用户名或密码错误。", status_code=400)
        from .otp import has_device, otp_check, otp_required

        if otp_required(user):
            if not has_device(user):
                raise DomainError("otp_not_enrolled", "该账号须使用双因素认证：请先在网页上绑定身份验证器。",
                                  status_code=403)
            if not data.validated_data.get("otp"):
                raise DomainError("otp_required", "请提供双因素验证码（otp）。", status_code=401,
                                  fields={"otp": ["必填。"]})
            otp_check(user=user, token=data.validated_data["otp"], request=request._request)
        from .passwords import must_change_password

        reason = must_change_password(user)
        if reason is not None:
            raise DomainError("password_change_required", reason + "（请在网页上修改后再申请令牌）", status_code=403)
        token = api_token_issue(user=user, request=request._request)
        return Response({"token": token.key, "expires_at": token_expires_at(token)})


class RevokeTokenView(APIView):
    """Log out of the API: the caller's token (every token of the account) stops working at once."""

    machine_access = True

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_tokens_revoke(user=request.user)
        auth_event_record(kind=AuthEventKind.LOGOUT, user=request.user, request=request._request)
        return Response(status=204)
