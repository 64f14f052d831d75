"""The backend registry (named AI steps, like STORAGES) and the env helpers that feed settings."""

import os
import threading
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from catalog.copywriting.base import Copywriter
from studio import settings as studio_settings
from studio.backends import Backend, BackendOptionsError, Option, TaskQueue, backend_config, backends
from studio.checks import check_backends

HERE = __name__


class EchoBackend(Backend):
    step = "x"

    def echo(self, text: str) -> str:
        return f"{self.options.get('prefix', '')}{text}"


class StrictBackend(Backend):
    """Takes exactly one option, so a typo in OPTIONS is a configuration error."""

    step = "x"

    def __init__(self, *, colour: str) -> None:
        super().__init__(colour=colour)


class SlowBackend(Backend):
    step = "x"
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
        "x": {"BACKEND": f"{HERE}.EchoBackend"},
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


# --- A backend's step and its declared options ------------------------------------------


class PlainBackend(Backend):
    """Declares no step: it can serve none."""


class KilnBackend(Backend):
    """A backend with declared options, the way a real one reads its environment."""

    step = "kiln"
    option_specs = (
        Option("token", env="KILN_TOKEN", required=True, secret=True, help="the kiln's API token"),
        Option("model_dir", env="KILN_MODEL_DIR", required=True, help="a local folder"),
        Option("temperature", env="KILN_TEMPERATURE", type=int, default=1200, minimum=600),
        Option("glaze", env="KILN_GLAZE", default="celadon", choices=("celadon", "tenmoku")),
        Option("fast", env="KILN_FAST", type=bool, default=False),
        Option("threads", env="KILN_THREADS", type=int, minimum=1, default=lambda queue: 8 // queue.workers),
    )

    def __init__(
        self, *, model_dir: str, temperature: int = 1200, glaze: str = "celadon", fast: bool = False, threads: int = 1
    ) -> None:
        super().__init__(model_dir=model_dir, temperature=temperature, glaze=glaze, fast=fast, threads=threads)


@pytest.fixture
def kiln_env(monkeypatch):
    for name in ("KILN_TOKEN", "KILN_MODEL_DIR", "KILN_TEMPERATURE", "KILN_GLAZE", "KILN_FAST", "KILN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KILN_TOKEN", "secret-token")
    monkeypatch.setenv("KILN_MODEL_DIR", "/models/kiln")
    return monkeypatch


def kiln(**options) -> dict:
    return {"kiln": {"BACKEND": f"{HERE}.KilnBackend", "OPTIONS": options}}


def test_a_backend_of_another_step_is_refused_naming_both_steps():
    configured = {"stager": {"BACKEND": "catalog.copywriting.template.TemplateCopywriter", "OPTIONS": {}}}
    with override_settings(ATELIER_BACKENDS=configured):
        with pytest.raises(ImproperlyConfigured) as error:
            backends["stager"]
        assert str(error.value) == (
            "ATELIER_BACKENDS['stager']: catalog.copywriting.template.TemplateCopywriter is a copywriter backend, "
            "not a stager."
        )
        [check_error] = check_backends(None)
    assert check_error.id == "atelier.E001" and "is a copywriter backend, not a stager" in check_error.msg


def test_a_backend_without_a_step_or_with_missing_methods_is_refused():
    with override_settings(ATELIER_BACKENDS={"copywriter": {"BACKEND": f"{HERE}.PlainBackend"}}):
        with pytest.raises(
            ImproperlyConfigured, match=r"PlainBackend declares no step; subclass the copywriter's base"
        ):
            backends["copywriter"]
    with override_settings(ATELIER_BACKENDS={"copywriter": {"BACKEND": "catalog.copywriting.base.Copywriter"}}):
        with pytest.raises(ImproperlyConfigured, match=r"Copywriter is abstract: it doesn't implement write"):
            backends["copywriter"]
        assert [error.id for error in check_backends(None)] == ["atelier.E001"]


def test_declared_options_are_read_from_the_environment_with_their_defaults(kiln_env):
    assert KilnBackend.options_from_env(os.environ, queue=TaskQueue(timeout=900, workers=2)) == {
        "model_dir": "/models/kiln",
        "temperature": 1200,
        "glaze": "celadon",
        "fast": False,
        "threads": 4,
    }
    kiln_env.setenv("KILN_TEMPERATURE", " 1280 ")
    kiln_env.setenv("KILN_GLAZE", "tenmoku")
    kiln_env.setenv("KILN_FAST", "yes")
    kiln_env.setenv("KILN_THREADS", "3")
    options = KilnBackend.options_from_env(os.environ, queue=TaskQueue())
    assert options == {"model_dir": "/models/kiln", "temperature": 1280, "glaze": "tenmoku", "fast": True, "threads": 3}
    assert "token" not in options  # a secret is checked, never copied into settings


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("KILN_TOKEN", None, "KILN_TOKEN must be set (the kiln's API token)."),
        ("KILN_MODEL_DIR", " ", "KILN_MODEL_DIR must be set (a local folder)."),
        ("KILN_TEMPERATURE", "hot", "KILN_TEMPERATURE must be a whole number; got 'hot'."),
        ("KILN_TEMPERATURE", "500", "KILN_TEMPERATURE (option 'temperature') must be at least 600; got 500."),
        ("KILN_GLAZE", "shino", "KILN_GLAZE (option 'glaze') must be one of celadon, tenmoku; got 'shino'."),
        ("KILN_FAST", "maybe", "KILN_FAST must be true or false; got 'maybe'."),
    ],
    ids=["secret-unset", "required-blank", "not-a-number", "below-minimum", "not-a-choice", "not-a-bool"],
)
def test_a_missing_or_bad_variable_is_refused_naming_it(kiln_env, variable, value, message):
    if value is None:
        kiln_env.delenv(variable)
    else:
        kiln_env.setenv(variable, value)
    with pytest.raises(BackendOptionsError) as error:
        KilnBackend.options_from_env(os.environ, queue=TaskQueue())
    assert str(error.value) == message
    with pytest.raises(ImproperlyConfigured) as error:
        backend_config("kiln", f"{HERE}.KilnBackend", env="ATELIER_KILN", queue=TaskQueue())
    assert str(error.value) == f"ATELIER_KILN={HERE}.KilnBackend: {message}"


def test_backend_config_is_the_settings_entry(kiln_env):
    kiln_env.setenv("ATELIER_KILN", "kiln")
    assert backend_config("kiln", f"{HERE}.KilnBackend", env="ATELIER_KILN", queue=TaskQueue(workers=8)) == {
        "BACKEND": f"{HERE}.KilnBackend",
        "OPTIONS": {"model_dir": "/models/kiln", "temperature": 1200, "glaze": "celadon", "fast": False, "threads": 1},
    }
    with pytest.raises(ImproperlyConfigured, match=r"^ATELIER_KILN=kiln: .*EchoBackend is a x backend, not a kiln\.$"):
        backend_config("kiln", f"{HERE}.EchoBackend", env="ATELIER_KILN", queue=TaskQueue())
    with pytest.raises(ImproperlyConfigured, match=r"^ATELIER_KILN=kiln: cannot import 'nowhere.Kiln'"):
        backend_config("kiln", "nowhere.Kiln", env="ATELIER_KILN", queue=TaskQueue())


def test_options_set_in_code_are_checked_at_start_up_naming_the_variable(kiln_env):
    with override_settings(ATELIER_BACKENDS=kiln(model_dir="/models/kiln", temperature=1200)):
        assert check_backends(None) == []
        assert backends["kiln"].options["model_dir"] == "/models/kiln"
    with override_settings(ATELIER_BACKENDS=kiln(temperature="1200", glaze="raku")):
        [error] = check_backends(None)
        assert error.id == "atelier.E002"
        assert error.msg == (
            "ATELIER_BACKENDS['kiln'] (KilnBackend): KILN_MODEL_DIR must be set (a local folder). "
            "KILN_TEMPERATURE (option 'temperature') must be a whole number; got '1200'. "
            "KILN_GLAZE (option 'glaze') must be one of celadon, tenmoku; got 'raku'."
        )
        with pytest.raises(BackendOptionsError, match="KILN_MODEL_DIR must be set"):
            backends["kiln"]  # the registry refuses too, not only the check
    kiln_env.delenv("KILN_TOKEN")
    with override_settings(ATELIER_BACKENDS=kiln(model_dir="/models/kiln")):
        [error] = check_backends(None)
        assert error.id == "atelier.E002" and "KILN_TOKEN must be set (the kiln's API token)." in error.msg


def test_claude_options_are_checked_against_the_task_timeout(monkeypatch, settings):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600}
    settings.ATELIER_BACKENDS = {
        "copywriter": {
            "BACKEND": "catalog.copywriting.anthropic.AnthropicCopywriter",
            "OPTIONS": {"timeout": 100, "max_retries": 2},
        }
    }
    [error] = check_backends(None)
    assert error.id == "atelier.E002"
    assert "ANTHROPIC_TIMEOUT=100 with ANTHROPIC_MAX_RETRIES=2 can keep one listing waiting 600 s" in error.msg
    assert "Q_TIMEOUT=600" in error.msg
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 900}
    assert check_backends(None) == []
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    [error] = check_backends(None)
    assert "ANTHROPIC_API_KEY must be set (an Anthropic API key)." in error.msg


def test_the_diffusion_stager_needs_its_model_dir():
    with override_settings(ATELIER_BACKENDS={"stager": {"BACKEND": "catalog.staging.diffusion.DiffusionStager"}}):
        [error] = check_backends(None)
    assert error.id == "atelier.E002" and "STAGING_MODEL_DIR must be set" in error.msg
    options = {"model_dir": "/models/sd", "cpu_threads": 0}
    with override_settings(
        ATELIER_BACKENDS={"stager": {"BACKEND": "catalog.staging.diffusion.DiffusionStager", "OPTIONS": options}}
    ):
        [error] = check_backends(None)
    assert "STAGING_CPU_THREADS (option 'cpu_threads') must be at least 1; got 0." in error.msg


def test_a_test_only_copywriter_module_is_one_setting_away(monkeypatch):
    """tests/catalog/shouting_copywriter.py is all it takes: settings read its option, the registry serves it."""
    from catalog.copywriting.base import ListingBrief
    from tests.catalog.shouting_copywriter import ShoutingCopywriter

    monkeypatch.setenv("ATELIER_COPYWRITER", "tests.catalog.shouting_copywriter.ShoutingCopywriter")
    monkeypatch.setenv("SHOUT_PUNCTUATION", "!!")
    path = studio_settings.envbackend("ATELIER_COPYWRITER", "template", {})
    configured = {"copywriter": backend_config("copywriter", path, env="ATELIER_COPYWRITER", queue=TaskQueue())}
    assert configured["copywriter"]["OPTIONS"] == {"punctuation": "!!"}
    with override_settings(ATELIER_BACKENDS=configured):
        assert check_backends(None) == []
        writer = backends["copywriter"]
        assert isinstance(writer, ShoutingCopywriter) and isinstance(writer, Copywriter)
        assert writer.write(brief=ListingBrief(title="Celadon mug")).title == "CELADON MUG!!"


# --- The env helpers settings.py is made of --------------------------------------------


@pytest.mark.parametrize(
    "raw, expected", [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False), ("", False)]
)
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


CHOICES = {
    "compositor": "catalog.staging.compositor.CompositorStager",
    "diffusion": "catalog.staging.diffusion.DiffusionStager",
}


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
