"""Every route under /api/, found from the URL resolver (nothing hand-listed), with its methods."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

UNSAFE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]
    methods: tuple[str, ...]  # lower case, as DRF's action maps have them
    view: type
    actions: dict

    def url(self, **values) -> str:
        return reverse(self.name, kwargs={param: values.get(param, 999999) for param in self.params})

    @property
    def model(self):
        queryset = getattr(self.view, "queryset", None)
        return None if queryset is None else queryset.model

    def __str__(self) -> str:
        return self.name


def api_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, params: tuple[str, ...]) -> None:
        for pattern in patterns:
            groups = tuple(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), params + groups)
            elif isinstance(pattern, URLPattern) and prefix.startswith("api/"):
                view = getattr(pattern.callback, "cls", None)
                assert view is not None, f"{pattern.name} under /api/ is not a DRF view"
                assert pattern.name, f"a route under /api/ has no name: {pattern.pattern}"
                actions = getattr(pattern.callback, "actions", None) or {}
                if actions:
                    methods = tuple(method for method in actions if method in ("get", *UNSAFE))
                else:
                    methods = tuple(m for m in ("get", *UNSAFE) if hasattr(view, m))
                found.append(Route(pattern.name, params + groups, methods, view, actions))

    walk(get_resolver().url_patterns, "", ())
    return found


ROUTES = api_routes()
DOCS = {"api-schema", "api-docs", "api-redoc"}  # the same for everyone, and slow to build: left out of comparisons
