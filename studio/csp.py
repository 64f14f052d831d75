"""A strict Content-Security-Policy on every response (Django 5.2 has none built in).

Scripts only from this site's own files: the pages have no inline script and no
inline event handler, so an injected <script> or onerror= doesn't run. Inline
style attributes are allowed (the cut-out preview sets a CSS variable in one);
they can't run code. Images may also come from MEDIA_URL's host when media is
served elsewhere. ATELIER_CSP replaces the whole policy (deliberately, e.g. for
a front server that sets its own).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy() -> str:
    if settings.ATELIER_CSP:
        return settings.ATELIER_CSP
    directives = {name: list(sources) for name, sources in DIRECTIVES.items()}
    media = urlsplit(str(settings.MEDIA_URL))
    if media.scheme in ("http", "https") and media.netloc:
        directives["img-src"].append(f"{media.scheme}://{media.netloc}")
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
