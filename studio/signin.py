"""Sign-in throttling: after ATELIER_LOGIN_MAX_FAILURES wrong passwords for one username from one
address, that pair is locked out for ATELIER_LOGIN_LOCKOUT_SECONDS, for the sign-in page and for the
API's Basic auth alike (both go through authenticate(), so the check lives in an auth backend).

Counted per username and address, so someone guessing can't lock the real user out from elsewhere.
Failures are kept in the database (every web process sees them); a success clears them.
"""

from __future__ import annotations

import datetime as dt
import math

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from studio.models import SignInFailure
from studio.permissions import RoleModelBackend


def client_address(request) -> str:
    """The address the request came from (REMOTE_ADDR; a front server must pass the real one on)."""
    return (getattr(request, "META", {}) or {}).get("REMOTE_ADDR", "") or "unknown"


def _key(username: str | None, request) -> tuple[str, str]:
    return (str(username or "").strip().casefold()[:150], client_address(request)[:64])


def signin_locked_for(*, username: str | None, request) -> int:
    """Seconds left of a lockout of this username from this address; 0 when not locked."""
    name, address = _key(username, request)
    failure = SignInFailure.objects.filter(username=name, address=address).first()
    if failure is None or failure.locked_until is None:
        return 0
    left = (failure.locked_until - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


def signin_failed(*, username: str | None, request) -> None:
    name, address = _key(username, request)
    now = timezone.now()
    window = dt.timedelta(seconds=settings.ATELIER_LOGIN_LOCKOUT_SECONDS)
    with transaction.atomic():
        failure, created = SignInFailure.objects.select_for_update().get_or_create(
            username=name, address=address, defaults={"count": 1, "last_at": now}
        )
        if not created:
            if failure.last_at < now - window:  # an old streak: start again
                failure.count, failure.locked_until = 1, None
            else:
                failure.count = F("count") + 1
            failure.last_at = now
            failure.save()
            failure.refresh_from_db()
        if failure.count >= settings.ATELIER_LOGIN_MAX_FAILURES and failure.locked_until is None:
            failure.locked_until = now + window
            failure.save(update_fields=["locked_until"])


def signin_succeeded(*, username: str | None, request) -> None:
    name, address = _key(username, request)
    SignInFailure.objects.filter(username=name, address=address).delete()


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"Too many wrong passwords for this account from your address. Sign-in is paused for "
        f"{minutes} minute{'s' if minutes != 1 else ''}; try again then, or ask a shop manager to reset your password."
    )


class ThrottledModelBackend(RoleModelBackend):
    """Django's backend (with the signed-in user's roles read at once, studio.permissions), refusing a
    locked-out username and address before the password is checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is not None and signin_locked_for(username=username, request=request):
            raise PermissionDenied(lockout_message(signin_locked_for(username=username, request=request)))
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and request is not None:
            signin_succeeded(username=username, request=request)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


@receiver(user_login_failed, dispatch_uid="studio.signin_failed")
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        return
    username = credentials.get("username")
    if signin_locked_for(username=username, request=request):
        return  # refused while locked: the lockout isn't extended by knocking
    signin_failed(username=username, request=request)


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form, saying plainly when the account is paused for this address."""

    def clean(self):
        seconds = signin_locked_for(username=self.cleaned_data.get("username"), request=self.request)
        if seconds:
            raise forms.ValidationError(lockout_message(seconds), code="locked")
        return super().clean()
