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
    ],
    ids=["debug-maybe", "database-url-nonsense", "database-url-mysql", "q-workers-abc", "q-workers-zero", "q-timeout"],
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
