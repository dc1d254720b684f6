"""The signed-in user's own password change (the one page a forced change leaves open) and second
factor (enrolment, verification at sign-in, an operator's opt-out)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError

from .passwords import must_change_password
from .services import password_change


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label="新密码", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text="至少 10 位，包含大写字母、小写字母、数字、其他符号中的至少 3 类，"
                                             "不能与用户名相似，不能与最近 5 次的密码相同。")
    new_password_again = forms.CharField(label="再次输入新密码", strip=False,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "两次输入的新密码不一致。")
        return data


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                   new_password=form.cleaned_data["new_password"], request=request)
        except DomainError as exc:
            for field, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in; others end
            messages.success(request, "密码已修改。")
            return redirect("/")
    return render(request, "accounts/password_change.html",
                  {"form": form, "reason": must_change_password(request.user)})


# ----------------------------------------------------------------------------- second factor


class OtpCodeForm(forms.Form):
    otp = forms.CharField(label="验证码", max_length=16, strip=True,
                          widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                        "autofocus": True}),
                          help_text="身份验证器上的 6 位数字；手机丢失时可输入一个恢复码（每个只能用一次）。")


def _safe_next(request, fallback: str = "/") -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or fallback
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()) else fallback


def _qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=5, border=2)


@login_required
def otp_setup_view(request):
    """Enrol an authenticator: QR code and secret, confirmed by its first code; recovery codes once."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .otp import otp_enrol_confirm, otp_enrol_start, otp_may_opt_out, otp_required

    if request.user.is_verified() and request.method == "GET" and "start" not in request.GET:
        return render(request, "accounts/otp_status.html",
                      {"may_opt_out": otp_may_opt_out(request.user), "required": otp_required(request.user)})
    if otp_required(request.user) and not request.user.is_verified() and _has_confirmed(request.user):
        return redirect("accounts:otp_verify")  # enrolled already: prove it, then change it
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp_enrol_confirm(user=request.user, token=form.cleaned_data["otp"], request=request)
        except DomainError as exc:
            form.add_error("otp", exc.message)
        else:
            return render(request, "accounts/otp_recovery_codes.html", {"codes": codes, "next": _safe_next(request)})
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("-id").first()
    if device is None or request.method == "GET":
        device = otp_enrol_start(user=request.user)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), "next": _safe_next(request)})


def _has_confirmed(user) -> bool:
    from .otp import has_device

    return has_device(user)


@login_required
def otp_verify_view(request):
    """The second step of signing in."""
    from .otp import otp_check

    if not _has_confirmed(request.user):
        return redirect("accounts:otp_setup")
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp_check(user=request.user, token=form.cleaned_data["otp"], request=request)
        except DomainError as exc:
            form.add_error("otp", exc.message)
        else:
            return redirect(_safe_next(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_POST
def otp_disable_view(request):
    from .otp import otp_disable

    try:
        otp_disable(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已关闭双因素认证。")
    return redirect("/")
