"""The queue page reverses each row's links once per page; the URLs are the ones reverse() gives."""

import pytest
from django.urls import reverse, set_script_prefix

from approvals.views import _url_per_id


@pytest.mark.parametrize("prefix", ["/", "/atelier/"])
@pytest.mark.parametrize("name", ["review-detail", "review-decide"])
def test_a_url_reversed_once_is_the_url_reversed_for_each_id(name, prefix):
    set_script_prefix(prefix)
    try:
        per_id = _url_per_id(name)
        for pk in (1, 7, 42, 10**12):
            assert per_id(pk) == reverse(name, args=[pk])
    finally:
        set_script_prefix("/")
