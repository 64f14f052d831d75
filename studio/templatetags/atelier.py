"""Template helpers used on every page (loaded as a builtin in settings)."""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@lru_cache(maxsize=1)
def _sprite() -> str:
    return static("img/icons.svg")


@register.simple_tag
@lru_cache(maxsize=256)
def icon(name: str, css_class: str = ""):
    """An icon from the sprite. A tag, not an include: pages show dozens of them,
    and an include per icon was a measurable share of the queue page's render time.
    The same arguments always make the same markup, so it is made once per process."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>', classes, _sprite(), name
    )


@receiver(setting_changed)
def _forget_sprite_url(*, setting: str, **kwargs) -> None:
    if setting in ("STATIC_URL", "STORAGES", "ROOT_URLCONF", "TEMPLATES"):
        _sprite.cache_clear()
        icon.cache_clear()
        _pure_fragments.clear()


@register.simple_tag(takes_context=True)
def include_repeated(context, template_name: str):
    """`{% include %}` for markup a page shows more than once in the same context, rendered once.

    The header shows the navigation and the user menu twice (beside the logo on a desktop, in
    the menu on a phone): the second copy is the first one's HTML, not a second render of the
    same template with the same context (about 1 ms of CPU a page, bench/README.md). Only for
    templates that read nothing a loop or {% with %} around the tag changes: the copy is kept
    for the whole page render, keyed by the template's name.
    """
    rendered = context.render_context.setdefault(_REPEATED, {})
    if template_name not in rendered:
        template = context.template.engine.get_template(template_name)
        with context.push():  # as {% include %}: what the template sets stays inside it
            rendered[template_name] = template.render(context)
    return rendered[template_name]


_REPEATED = object()  # the render_context key of include_repeated's copies


@register.simple_tag(takes_context=True)
def include_pure(context, template_name: str, **values):
    """`{% include ... with a=1 only %}` for a fragment that depends on nothing but its arguments
    (and on URLs and static files, fixed while the process runs): rendered once per process for
    each set of argument values and kept. The header's navigation is one (the page's name, the
    user's role, the pending count): it was rendered on every page of every user. The template
    sees only the arguments, so it cannot depend on anything the key leaves out; arguments must
    be plain values (text, numbers, booleans)."""
    key = (template_name, get_script_prefix(), context.autoescape, tuple(sorted(values.items())))
    html = _pure_fragments.get(key)
    if html is None:
        template = context.template.engine.get_template(template_name)
        html = mark_safe(template.render(Context(values, autoescape=context.autoescape)))  # noqa: S308 - rendered by a template
        if len(_pure_fragments) >= _PURE_FRAGMENTS_MAX:
            _pure_fragments.clear()
        _pure_fragments[key] = html
    return html


_pure_fragments: dict = {}
_PURE_FRAGMENTS_MAX = 1024  # (pages × roles × pending counts): a busy studio's headers fit many times over


@register.simple_tag(takes_context=True)
def panels(context, slot: str, obj=None):
    """Render every panel apps registered for `slot` (studio.panels), in order, inside the current context."""
    from django.utils.safestring import mark_safe

    from studio.panels import render_context

    html = []
    for panel, extra in render_context(slot, context.get("request"), obj):
        template = context.template.engine.get_template(panel.template)
        with context.push(**extra):
            html.append(template.render(context))
    return mark_safe("".join(html))
