from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from core.audit import client_ip

from .login_guard import LOCKED_MESSAGE, login_is_locked


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="用户名", widget=forms.TextInput(attrs={"autofocus": True,
                                                                          "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "用户名或密码错误，请重新输入。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None and login_is_locked(username, client_ip(self.request)):
            from .models import AuthEventKind
            from .services import auth_event_record

            auth_event_record(kind=AuthEventKind.LOGIN_LOCKED, username=username[:150], request=self.request)
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        return super().clean()
