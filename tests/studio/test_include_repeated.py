"""The header's fragments: {% include_repeated %} (markup shown twice, desktop and phone, rendered
once a page) and {% include_pure %} (the navigation, rendered once a process for each page name,
role and pending count)."""

import re

import pytest
from django.template import Context

from studio.templatetags import atelier


@pytest.mark.django_db
def test_the_navigation_and_user_menu_render_once_and_show_twice_the_same(manager_client):
    response = manager_client.get("/review/")
    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert names.count("components/nav_links.html") <= 1  # none when this process made it already
    assert names.count("components/user_links.html") == 1

    html = response.content.decode()
    navs = re.findall(r'<ul class="nav-list">.*?</ul>', html, re.S)
    assert len(navs) == 2 and navs[0] == navs[1]
    assert 'href="/review/" aria-current="page"' in navs[0]  # still the page's own navigation
    menus = re.findall(r'<div class="menu-who">.*?</form>', html, re.S)
    assert len(menus) == 2 and menus[0] == menus[1]
    assert 'name="csrfmiddlewaretoken"' in menus[0]


@pytest.mark.django_db
def test_each_page_renders_its_own_navigation(manager_client):
    review = manager_client.get("/review/").content.decode()
    dashboard = manager_client.get("/").content.decode()
    assert 'href="/review/" aria-current="page"' in review
    assert 'href="/review/" aria-current="page"' not in dashboard


@pytest.mark.django_db
def test_the_navigation_is_rendered_once_per_process_for_the_same_page_role_and_count(
    manager_client, artisan_client, manager
):
    atelier._pure_fragments.clear()
    rendered = [
        [template.name for template in client.get("/review/").templates].count("components/nav_links.html")
        for client in (manager_client, manager_client, artisan_client, artisan_client)
    ]
    assert rendered == [1, 0, 1, 0]  # the artisan's navigation differs (no webhooks, no API docs)
    manager_nav = re.search(r'<ul class="nav-list">.*?</ul>', manager_client.get("/review/").content.decode(), re.S)
    artisan_nav = re.search(r'<ul class="nav-list">.*?</ul>', artisan_client.get("/review/").content.decode(), re.S)
    assert "Webhooks" in manager_nav.group(0) and "Webhooks" not in artisan_nav.group(0)


def test_a_pure_fragment_sees_only_its_arguments(tmp_path, settings):
    (tmp_path / "pure.html").write_text("[{{ shown }}|{{ secret }}|{{ user.username }}]")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    from django.template import engines

    engine = engines["django"].engine
    page = engine.from_string('{% include_pure "pure.html" shown=value %}')
    html = page.render(Context({"value": "<b>", "secret": "s3cret", "user": {"username": "mara"}}))
    assert html == "[&lt;b&gt;||]"  # escaped, and nothing of the page's context but its argument
    assert page.render(Context({"value": "other"})) == "[other||]"  # each value its own fragment
