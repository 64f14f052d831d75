"""The backend registry (named AI steps, like STORAGES) and the env helpers that feed settings."""
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from studio import settings as studio_settings
from studio.backends import Backend, backends
from studio.checks import check_backends

HERE = __name__


class EchoBackend(Backend):
    step = "echo"

    def echo(self, text: str) -> str:
        return f"{self.options.get('prefix', '')}{text}"


class StrictBackend(Backend):
    """Takes exactly one option, so a typo in OPTIONS is a configuration error."""

    def __init__(self, *, colour: str) -> None:
        super().__init__(colour=colour)


class SlowBackend(Backend):
    created = 0

    def __init__(self, **options) -> None:
        time.sleep(0.02)
        type(self).created += 1
        super().__init__(**options)


class NotABackend:
    pass


def not_a_class():
    return None


def config(path: str, **options) -> dict:
    return {"x": {"BACKEND": path, "OPTIONS": options}}


def test_a_configured_step_is_an_instance_with_its_options():
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend", prefix="» ")):
        backend = backends["x"]
        assert isinstance(backend, EchoBackend)
        assert backend.options == {"prefix": "» "}
        assert backend.echo("mug") == "» mug"
        assert "x" in backends
        assert "y" not in backends


def test_the_instance_is_kept_for_the_process():
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend")):
        assert backends["x"] is backends["x"]


def test_changing_the_setting_gives_a_new_instance():
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend", prefix="a")):
        first = backends["x"]
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend", prefix="b")):
        second = backends["x"]
        assert second is not first
        assert second.echo("!") == "b!"


def test_threads_asking_at_once_share_one_instance():
    SlowBackend.created = 0
    seen = []
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.SlowBackend")):
        threads = [threading.Thread(target=lambda: seen.append(backends["x"])) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert SlowBackend.created == 1
    assert len({id(instance) for instance in seen}) == 1


@pytest.mark.parametrize(
    "configured, words",
    [
        (config("no_such_module.Thing"), ["'x'", "cannot import", "no_such_module.Thing"]),
        (config(f"{HERE}.NoSuchClass"), ["'x'", "cannot import"]),
        (config(f"{HERE}.NotABackend"), ["'x'", "is not a studio.backends.Backend"]),
        (config(f"{HERE}.not_a_class"), ["'x'", "is not a studio.backends.Backend"]),
        ({"x": {"OPTIONS": {}}}, ["'x'", "needs a BACKEND"]),
        ({"x": "tests.studio.test_backends.EchoBackend"}, ["'x'", "needs a BACKEND"]),
    ],
    ids=["unknown-module", "unknown-class", "not-a-backend", "a-function", "no-backend-key", "not-a-dict"],
)
def test_a_bad_backend_is_a_configuration_error_naming_the_step(configured, words):
    with override_settings(ATELIER_BACKENDS=configured):
        with pytest.raises(ImproperlyConfigured) as error:
            backends["x"]
        for word in words:
            assert word in str(error.value)
        [check_error] = check_backends(None)
        assert check_error.id == "atelier.E001"
        assert check_error.level == 40  # ERROR: stops runserver and qcluster
        assert "'x'" in check_error.msg


def test_an_unconfigured_step_names_the_step_and_what_is_configured():
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend")):
        with pytest.raises(ImproperlyConfigured, match=r"'stager'.*configured: x"):
            backends["stager"]


def test_wrong_options_are_a_configuration_error():
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.StrictBackend", color="red")):
        with pytest.raises(ImproperlyConfigured, match=r"'x'.*bad OPTIONS for StrictBackend"):
            backends["x"]
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.StrictBackend", colour="red")):
        assert backends["x"].options == {"colour": "red"}


def test_the_check_reports_every_bad_step_and_nothing_for_good_ones():
    configured = {
        "good": {"BACKEND": f"{HERE}.EchoBackend"},
        "bad": {"BACKEND": "nowhere.Nothing"},
        "worse": {"BACKEND": f"{HERE}.NotABackend"},
    }
    with override_settings(ATELIER_BACKENDS=configured):
        errors = check_backends(None)
    assert {error.id for error in errors} == {"atelier.E001"}
    assert len(errors) == 2
    assert any("'bad'" in error.msg for error in errors)
    assert any("'worse'" in error.msg for error in errors)
    with override_settings(ATELIER_BACKENDS=config(f"{HERE}.EchoBackend")):
        assert check_backends(None) == []


def test_the_shipped_configuration_passes_the_check():
    assert check_backends(None) == []


# --- The env helpers settings.py is made of --------------------------------------------


@pytest.mark.parametrize("raw, expected", [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False), ("", False)])
def test_envbool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("ATELIER_FLAG", raw)
    assert studio_settings.envbool("ATELIER_FLAG", not expected) is expected


def test_envbool_uses_the_default_when_unset_and_refuses_anything_else(monkeypatch):
    monkeypatch.delenv("ATELIER_FLAG", raising=False)
    assert studio_settings.envbool("ATELIER_FLAG", True) is True
    monkeypatch.setenv("ATELIER_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"ATELIER_FLAG.*'maybe'"):
        studio_settings.envbool("ATELIER_FLAG", False)


def test_envint(monkeypatch):
    monkeypatch.delenv("ATELIER_N", raising=False)
    assert studio_settings.envint("ATELIER_N", 7) == 7
    monkeypatch.setenv("ATELIER_N", " ")
    assert studio_settings.envint("ATELIER_N", 7) == 7
    monkeypatch.setenv("ATELIER_N", "12")
    assert studio_settings.envint("ATELIER_N", 7, minimum=1) == 12
    monkeypatch.setenv("ATELIER_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match=r"ATELIER_N must be a whole number; got 'twelve'"):
        studio_settings.envint("ATELIER_N", 7)
    monkeypatch.setenv("ATELIER_N", "0")
    with pytest.raises(ImproperlyConfigured, match=r"ATELIER_N must be at least 1; got 0"):
        studio_settings.envint("ATELIER_N", 7, minimum=1)


def test_envlist(monkeypatch):
    monkeypatch.delenv("ATELIER_HOSTS", raising=False)
    assert studio_settings.envlist("ATELIER_HOSTS", ["localhost"]) == ["localhost"]
    monkeypatch.setenv("ATELIER_HOSTS", " a.example, b.example,, ")
    assert studio_settings.envlist("ATELIER_HOSTS", ["localhost"]) == ["a.example", "b.example"]
    monkeypatch.setenv("ATELIER_HOSTS", "")
    assert studio_settings.envlist("ATELIER_HOSTS", ["localhost"]) == []


CHOICES = {"compositor": "catalog.staging.compositor.CompositorStager", "diffusion": "catalog.staging.diffusion.DiffusionStager"}


def test_envbackend_maps_a_short_name_to_its_path(monkeypatch):
    monkeypatch.setenv("ATELIER_STAGER", " diffusion ")
    assert studio_settings.envbackend("ATELIER_STAGER", "compositor", CHOICES) == CHOICES["diffusion"]


def test_envbackend_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("ATELIER_STAGER", raising=False)
    assert studio_settings.envbackend("ATELIER_STAGER", "compositor", CHOICES) == CHOICES["compositor"]


def test_envbackend_passes_a_dotted_path_through(monkeypatch):
    monkeypatch.setenv("ATELIER_STAGER", "myshop.stagers.Lightbox")
    assert studio_settings.envbackend("ATELIER_STAGER", "compositor", CHOICES) == "myshop.stagers.Lightbox"


def test_envbackend_refuses_an_unknown_name_naming_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("ATELIER_STAGER", "dall-e")
    with pytest.raises(ImproperlyConfigured) as error:
        studio_settings.envbackend("ATELIER_STAGER", "compositor", CHOICES)
    assert "ATELIER_STAGER='dall-e'" in str(error.value)
    assert "compositor, diffusion" in str(error.value)


def test_envchoice(monkeypatch):
    monkeypatch.setenv("ATELIER_MODE", "fast")
    assert studio_settings.envchoice("ATELIER_MODE", "slow", ["slow", "fast"]) == "fast"
    monkeypatch.setenv("ATELIER_MODE", "warp")
    with pytest.raises(ImproperlyConfigured, match="ATELIER_MODE must be one of slow, fast; got 'warp'"):
        studio_settings.envchoice("ATELIER_MODE", "slow", ["slow", "fast"])
