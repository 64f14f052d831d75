"""Run manage.py in a subprocess with a controlled environment (settings are read at start-up)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOTENV = ROOT / ".env"
# Everything the test process itself set up (pytest-django, tests/settings.py) or a
# developer's shell may carry, so each run sees only what the test gives it. They are
# set to "" rather than removed, so a developer's .env (read with setdefault) can't fill them in.
_BLANKED = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "REDIS_URL"}


def manage(*args: str, tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess:
    """`manage.py *args` with var/ in tmp_path; env values of None unset the variable."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_SETTINGS_MODULE" and not key.startswith(("Q_", "ATELIER_", "SECURE_"))
    }
    clean.update(dict.fromkeys(_BLANKED, ""))
    clean["ATELIER_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    clean = {key: value for key, value in clean.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
