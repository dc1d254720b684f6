"""The signed-in user's own password change (the one page a forced change leaves open)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

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
