"""Draft kinds own their review pages: approvals renders whatever kind is registered and knows none of them.

A kind made up here (the studio's voice, over the kernel's StudioProfile) brings its own
template, template library, queue summary, check labels and bookkeeping fields; the
review queue shows all of it though no line of approvals names it. The real kinds are
held to the same rule: their pages live in the apps that own them, and approvals'
code and templates name none of them.
"""

import ast
import dataclasses
import html
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

import approvals
from approvals import registry
from approvals.registry import DraftKind
from approvals.services import review_decide, review_submit
from studio.models import StudioProfile

pytestmark = pytest.mark.django_db

VOICE_TEMPLATE = """{% load voice_tags %}
<blockquote class="studio-voice">{{ snapshot.voice }}</blockquote>
<p class="voice-length">{{ snapshot.voice|word_count }} words of voice, tagline “{{ snapshot.tagline }}”</p>
{% include "approvals/_checks.html" %}
"""


def voice_snapshot(profile: StudioProfile) -> dict:
    words = len(profile.brand_voice.split())
    checks = [{"code": "tagline_present", "level": "pass" if profile.tagline else "fail", "message": "A tagline."}]
    if words < 5:
        checks.append({"code": "voice_too_short", "level": "warn", "message": f"Only {words} words of voice."})
    return {"tagline": profile.tagline, "voice": profile.brand_voice, "edited_in": "studio settings", "checks": checks}


STUDIO_VOICE = DraftKind(
    name="studio_voice",
    label="Studio voice",
    model=StudioProfile,
    snapshot=voice_snapshot,
    owner=lambda profile: None,
    subject=lambda profile: profile.name,
    template="voice/kinds/studio_voice.html",
    summary=lambda snapshot: f"“{snapshot['tagline']}”" if snapshot.get("tagline") else "No tagline yet",
    check_labels={"voice_too_short": "Voice length"},
    diff_ignored=frozenset({"edited_in"}),
)


def _templates_with(loader_templates: dict[str, str]) -> list[dict]:
    """The project's template settings, plus templates and a library that exist only in this test."""
    engine = dict(settings.TEMPLATES[0])
    engine.pop("APP_DIRS", None)
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", loader_templates),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
        "libraries": {"voice_tags": "tests.approvals.voice_tags"},
    }
    return [engine]


@pytest.fixture
def voice_kind():
    registry.register(STUDIO_VOICE)
    with override_settings(TEMPLATES=_templates_with({"voice/kinds/studio_voice.html": VOICE_TEMPLATE})):
        yield STUDIO_VOICE
    registry.unregister(STUDIO_VOICE.name)


def page_text(response) -> str:
    plain = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(plain).split())


def test_a_new_kind_shows_its_summary_and_check_labels_in_the_queue(voice_kind, manager_client):
    studio = StudioProfile.objects.create(name="Leith Clayworks", tagline="Thrown in Leith", brand_voice="Warm.")
    review_submit(draft=studio)

    response = manager_client.get(reverse("review-list"), {"kind": "studio_voice"})

    assert response.status_code == 200
    page = page_text(response)
    assert "1 draft · waiting for review" in page
    assert "Leith Clayworks “Thrown in Leith” Studio voice version 1" in page  # subject, the kind's summary, its label
    assert '<span class="row-check row-check--warn">Voice length</span>' in response.content.decode()
    assert '<option value="studio_voice" selected>Studio voice</option>' in response.content.decode()


def test_a_check_code_the_kind_gives_no_label_reads_as_words(voice_kind, manager_client):
    review_submit(
        draft=StudioProfile.objects.create(name="Leith Clayworks", brand_voice="Warm, plain, never twee at all.")
    )

    response = manager_client.get(reverse("review-list"))
    assert response.status_code == 200
    body = response.content.decode()

    assert '<span class="row-check row-check--fail">Tagline present</span>' in body
    assert "No tagline yet" in body
    assert "Voice length" not in body  # that check passed this time


def test_a_new_kind_is_reviewed_on_its_own_page(voice_kind, manager_client, manager):
    studio = StudioProfile.objects.create(name="Leith Clayworks", tagline="Thrown <b>in</b> Leith", brand_voice="Warm.")
    item = review_submit(draft=studio)

    response = manager_client.get(reverse("review-detail", args=[item.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    page = page_text(response)
    assert '<blockquote class="studio-voice">Warm.</blockquote>' in body  # its own template
    assert "1 words of voice, tagline “Thrown <b>in</b> Leith”" in page  # its own filter; the tagline escaped
    assert "Thrown &lt;b&gt;in&lt;/b&gt; Leith" in body
    assert "Checks · 1 to look at" in page and "Look Only 1 words of voice." in page  # approvals' generic check list
    assert "Studio voice · version 1" in page
    assert "Approve version 1" in page

    # The whole flow works for it: approve, change the content and the bookkeeping, review the new version.
    review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)
    studio.brand_voice = "Warm, plain and never twee."
    studio.save()
    registry.unregister(STUDIO_VOICE.name)
    registry.register(
        dataclasses.replace(
            STUDIO_VOICE,
            snapshot=lambda profile: {**voice_snapshot(profile), "edited_in": "the admin"},
        )
    )
    second = review_submit(draft=studio)
    response = manager_client.get(reverse("review-detail", args=[second.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "What it replaces" in body
    assert "<dt>Voice</dt>" in body
    assert "<dt>Edited in</dt>" not in body  # the kind's bookkeeping is no change to review


def test_a_kind_whose_template_is_missing_is_shown_field_by_field(voice_kind, manager_client):
    registry.unregister(STUDIO_VOICE.name)
    registry.register(dataclasses.replace(STUDIO_VOICE, template="voice/kinds/not_written_yet.html"))
    item = review_submit(draft=StudioProfile.objects.create(name="Leith Clayworks", tagline="Thrown in Leith"))

    response = manager_client.get(reverse("review-detail", args=[item.pk]))

    assert response.status_code == 200
    assert "<dt>Tagline</dt>" in response.content.decode()
    assert "Thrown in Leith" in page_text(response)


# --- Registering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error",
    [
        ({"name": "Studio Voice"}, ValueError),
        ({"name": "x" * 41}, ValueError),
        ({"template": None}, TypeError),
        ({"template": ""}, TypeError),
        ({"summary": "the tagline"}, TypeError),
        ({"check_labels": {"voice_too_short": 3}}, TypeError),
        ({"check_labels": ["voice_too_short"]}, TypeError),
    ],
)
def test_a_kind_that_cannot_work_fails_when_it_registers(change, error):
    with pytest.raises(error):
        registry.register(dataclasses.replace(STUDIO_VOICE, **change))
    assert registry.find(STUDIO_VOICE.name) is None


def test_a_kind_name_is_taken_once(voice_kind):
    registry.register(STUDIO_VOICE)  # the same kind again (an app's ready() run twice) is harmless
    with pytest.raises(ValueError, match="already registered"):
        registry.register(dataclasses.replace(STUDIO_VOICE, label="Another voice"))
    assert registry.get("studio_voice").label == "Studio voice"


def test_a_kind_without_a_template_or_summary_gets_the_generic_page_and_no_summary():
    kind = DraftKind(name="bare", label="Bare", model=StudioProfile, snapshot=dict, owner=lambda d: None, subject=str)
    assert kind.template == registry.GENERIC_TEMPLATE
    assert kind.summary({"title": "anything"}) == ""
    assert dict(kind.check_labels) == {} and kind.diff_ignored == frozenset()


# --- What approvals knows ---------------------------------------------------------------------


APPROVALS = Path(approvals.__file__).parent


def _real_kinds() -> list[DraftKind]:
    kinds = registry.all_kinds()
    assert {"listing_copy", "staged_image", "production_plan"} <= {kind.name for kind in kinds}  # positive control
    return kinds


def test_each_kinds_review_page_lives_in_the_app_that_owns_it():
    for kind in _real_kinds():
        owner = apps.get_containing_app_config(kind.model.__module__)
        origin = Path(get_template(kind.template).origin.name)
        assert origin.is_relative_to(Path(owner.path) / "templates"), (kind.name, origin)


def _kind_words(kinds: list[DraftKind]) -> set[str]:
    """What would show that approvals knows a kind: its name, model, app, template and check codes."""
    words: set[str] = set()
    for kind in kinds:
        words |= {kind.name, kind.model.__name__, kind.model._meta.app_label, kind.template, *kind.check_labels}
    return words


def _code_words(source: str) -> list[str]:
    """Names and string literals of a module: what it does, without its docstrings and comments."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            words.extend(alias.name for alias in node.names)
            if isinstance(node, ast.ImportFrom) and node.module:
                words.append(node.module)
    return words


def _mentions(words: list[str], forbidden: set[str]) -> set[str]:
    return {word for word in forbidden for text in words if re.search(rf"\b{re.escape(word)}\b", text)}


def test_approvals_code_names_no_kind():
    forbidden = _kind_words(_real_kinds())
    modules = [path for path in APPROVALS.rglob("*.py") if "migrations" not in path.parts]
    assert APPROVALS / "views.py" in modules and APPROVALS / "templatetags" / "approvals_tags.py" in modules
    found = {
        path.relative_to(APPROVALS).as_posix(): _mentions(_code_words(path.read_text()), forbidden) for path in modules
    }
    assert {path: words for path, words in found.items() if words} == {}
    # The check sees a kind where there is one, and not in a docstring.
    snippet = '"""Not the listing_copy kind."""\nfrom catalog.models import ListingDraft\nKIND = "listing_copy"\n'
    assert _mentions(_code_words(snippet), forbidden) >= {"catalog", "ListingDraft", "listing_copy"}
    assert _mentions(_code_words('"""Not the listing_copy kind."""'), forbidden) == set()


def test_approvals_templates_name_no_kind_and_read_only_the_check_protocol_from_a_snapshot():
    forbidden = _kind_words(_real_kinds())
    folder = Path(get_template("approvals/review_list.html").origin.name).parent  # wherever the project keeps them
    templates = list(folder.rglob("*.html"))
    assert {"review_list.html", "review_detail.html", "_checks.html", "generic.html"} <= {
        path.name for path in templates
    }
    comment = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
    for path in templates:
        source = comment.sub("", path.read_text())
        for word in forbidden:
            assert not re.search(rf"\b{re.escape(word)}\b", source), (path.name, word)
        # A snapshot's fields are the kind's business; its checks are the one shared protocol.
        assert set(re.findall(r"\bsnapshot\.(\w+)", source)) <= {"checks"}, path.name
