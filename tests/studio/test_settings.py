"""Settings come from the environment and fail at start-up, naming the variable, on a bad value."""

import secrets

import pytest

from tests.studio.manage_cmd import DOTENV, manage


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(DOTENV.exists(), reason="a .env file beside manage.py may set DEBUG")
def test_debug_defaults_to_off(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_on_runs_without_a_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "DATABASE_URL": "nonsense://x"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://u@localhost/db"}, "DATABASE_URL"),
        ({"DEBUG": "1", "Q_WORKERS": "abc"}, "Q_WORKERS"),
        ({"DEBUG": "1", "Q_WORKERS": "0"}, "Q_WORKERS"),
        ({"DEBUG": "1", "Q_TIMEOUT": "-5"}, "Q_TIMEOUT"),
        ({"DEBUG": "1", "ATELIER_COPYWRITER": "gpt"}, "ATELIER_COPYWRITER"),
        (
            {"DEBUG": "1", "ATELIER_STAGER": "catalog.copywriting.template.TemplateCopywriter"},
            "is a copywriter backend, not a stager",
        ),
        ({"DEBUG": "1", "ATELIER_STAGER": "diffusion", "STAGING_MODEL_DIR": ""}, "STAGING_MODEL_DIR"),
        (
            {"DEBUG": "1", "ATELIER_STAGER": "diffusion", "STAGING_MODEL_DIR": "/m", "STAGING_CPU_THREADS": "0"},
            "STAGING_CPU_THREADS",
        ),
        (
            {"DEBUG": "1", "ATELIER_COPYWRITER": "anthropic", "ANTHROPIC_API_KEY": "k", "ANTHROPIC_MAX_RETRIES": "-1"},
            "ANTHROPIC_MAX_RETRIES",
        ),
    ],
    ids=[
        "debug-maybe",
        "database-url-nonsense",
        "database-url-mysql",
        "q-workers-abc",
        "q-workers-zero",
        "q-timeout",
        "copywriter-unknown",
        "stager-of-another-step",
        "stager-model-dir-unset",
        "stager-threads-zero",
        "claude-retries-negative",
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, env, variable):
    result = manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "Atelier is not configured correctly" in result.stderr
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deploy_check_without_a_single_warning(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="atelier.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_embedded_sqlite_database_runs_in_wal_mode(tmp_path):
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    print('journal_mode=' + cursor.fetchone()[0])\n"
        "    print('db=' + str(connection.settings_dict['NAME']))\n"
    )
    result = manage("shell", "--no-imports", "-c", script, tmp_path=tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "journal_mode=wal" in result.stdout
    assert f"db={tmp_path / 'atelier.sqlite3'}" in result.stdout
    assert (tmp_path / "atelier.sqlite3").exists()


SHOUTING = "tests.catalog.shouting_copywriter.ShoutingCopywriter"


def test_a_new_copywriter_is_one_module_plus_one_setting(tmp_path):
    """A module under tests/, chosen by ATELIER_COPYWRITER alone; the option it declares is read from the env."""
    script = (
        "from django.conf import settings\n"
        "from catalog.copywriting.base import ListingBrief\n"
        "from studio.backends import backends\n"
        "print(settings.ATELIER_BACKENDS['copywriter'])\n"
        "print(backends['copywriter'].write(brief=ListingBrief(title='Celadon mug')).title)\n"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        tmp_path=tmp_path,
        DEBUG="1",
        ATELIER_COPYWRITER=SHOUTING,
        SHOUT_PUNCTUATION="?!",
    )
    assert result.returncode == 0, result.stderr
    assert f"'BACKEND': '{SHOUTING}', 'OPTIONS': {{'punctuation': '?!'}}" in result.stdout
    assert "CELADON MUG?!" in result.stdout
    check = manage("check", tmp_path=tmp_path, DEBUG="1", ATELIER_COPYWRITER=SHOUTING)
    assert check.returncode == 0, check.stderr
