"""Test settings: production settings plus what only tests need."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# pytest-xdist runs a process per core: one onnxruntime thread each, or the cut-outs' threads outnumber the cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("CUTOUT_CPU_THREADS", "1")

from studio.settings import *  # noqa: E402,F403

# Tests run with DEBUG off, without collectstatic's manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SECURE_SSL_REDIRECT = False
# Hashing passwords slowly protects users, not tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
# The browser tests talk plain http to the live server.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# whitenoise warns about a missing STATIC_ROOT; tests never collectstatic.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="atelier-static-"))
# A sales import refits every forecast; tests that want it switch it on.
ATELIER_REFIT_AFTER_IMPORT = False
# Forecasts in tests run without Prophet unless a test asks for it (it takes seconds per series).
ATELIER_FORECAST_PROPHET = False
# Exports state image URLs under the installation's public address (ATELIER_PUBLIC_URL).
ATELIER_PUBLIC_URL = "https://kiln.example.com"
# Uploaded sales files wait for their import here, not in the studio's var/.
SALES_IMPORT_DIR = Path(tempfile.mkdtemp(prefix="atelier-imports-"))
