from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .login_guard import login_refusal

MACHINE_MESSAGE = "接口账号只能通过接口（令牌）访问，不能登录页面。"


class GuardedLoginMixin:
    """The login guard and the machine-account rule for every login form (page and admin)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            refusal = login_refusal(self.request, username)
            if refusal is not None:
                raise ValidationError(refusal, code="locked")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_machine:
            raise ValidationError(MACHINE_MESSAGE, code="machine_account")


class LoginForm(GuardedLoginMixin, AuthenticationForm):
    username = forms.CharField(label="用户名", widget=forms.TextInput(attrs={"autofocus": True,
                                                                          "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "用户名或密码错误，请重新输入。",
        "inactive": "该账号已停用，请联系管理员。",
    }


class AdminLoginForm(GuardedLoginMixin, AdminAuthenticationForm):
    """The admin site's login (``core.admin_site``): the same guard as the page login."""

    username = forms.CharField(label="用户名", widget=forms.TextInput(attrs={"autofocus": True,
                                                                          "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "用户名或密码错误，请重新输入。",
        "inactive": "该账号已停用，请联系管理员。",
    }
