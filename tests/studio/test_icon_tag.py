"""The {% icon %} tag: made once per process, and still following the static settings."""

from django.template import Context, Template
from django.test import override_settings


def rendered(source: str) -> str:
    return Template(source).render(Context())


def test_an_icon_is_the_sprites_symbol_and_follows_a_changed_static_url():
    from studio.templatetags.atelier import icon

    before = rendered('{% icon "review" "big" %}')
    hits = icon.cache_info().hits
    assert before == rendered('{% icon "review" "big" %}')
    assert icon.cache_info().hits == hits + 1  # the second time, the markup made the first time
    assert '<svg class="icon big" aria-hidden="true" focusable="false"><use href="' in before
    assert "#review" in before
    with override_settings(STATIC_URL="/elsewhere/"):
        assert '<use href="/elsewhere/' in rendered('{% icon "review" "big" %}')
    assert rendered('{% icon "review" "big" %}') == before
