"""{% include_repeated %}: markup the header shows twice (desktop and phone) is rendered once a page."""

import re

import pytest


@pytest.mark.django_db
def test_the_navigation_and_user_menu_render_once_and_show_twice_the_same(manager_client):
    response = manager_client.get("/review/")
    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert names.count("components/nav_links.html") == 1
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
