"""Personal API tokens in DRF: `Authorization: Bearer atl_…`, beside session and Basic auth.

A token acts as its user, so every row rule (studio.permissions) applies unchanged; on
top, the token's scopes say which methods it may use: read for safe methods, write for
creating, editing and starting work, decide for the review queue's decisions. A view
names the actions that need another scope in `token_scopes` (e.g. {"decide": "decide"}).
"""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from studio.api.services import TokenRefused, api_token_authenticate
from studio.models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class MissingScope(PermissionDenied):
    default_code = "token_scope"


def required_scope(method: str, view=None) -> str:
    """The scope a token needs for `method` on `view` (an action's own scope first)."""
    action_scopes = getattr(view, "token_scopes", None) or {}
    action = getattr(view, "action", None)
    if action in action_scopes:
        return action_scopes[action]
    return ApiToken.Scope.READ if method.upper() in SAFE_METHODS else ApiToken.Scope.WRITE


def bearer_secret(request) -> str | None:
    """The secret of an `Authorization: Bearer …` header, None without one; a malformed one is refused."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != b"bearer":
        return None
    if len(parts) != 2:
        raise AuthenticationFailed(
            "Invalid token header: send `Authorization: Bearer atl_…` with no spaces in the token."
        )
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise AuthenticationFailed("Invalid token header: the token has characters a token never has.") from None


def token_user(request):
    """(user, token) for a bearer token, without the scope check; None without a bearer header."""
    secret = bearer_secret(request)
    if secret is None:
        return None
    try:
        token = api_token_authenticate(secret=secret)
    except TokenRefused as refusal:
        raise AuthenticationFailed(str(refusal)) from None
    return token.user, token


class TokenAuthentication(BaseAuthentication):
    """Bearer tokens made on the profile page; refuses a method the token has no scope for (403)."""

    def authenticate(self, request):
        found = token_user(request)
        if found is None:
            return None
        _user, token = found
        view = (getattr(request, "parser_context", None) or {}).get("view")
        scope = required_scope(request.method, view)
        if scope not in token.scopes:
            raise MissingScope(f"This token lacks the “{scope}” scope needed for {request.method} here.")
        return found

    def authenticate_header(self, request) -> str:
        # First in DEFAULT_AUTHENTICATION_CLASSES, so missing or bad credentials answer 401 with
        # this challenge. Browsers show no login box for Bearer, unlike Basic.
        return 'Bearer realm="api"'
