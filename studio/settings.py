"""Atelier settings: one file, read from the environment.

Every value a deployment may change comes from an environment variable (or a
`.env` file beside manage.py). Bad values fail at start-up with a message that
names the variable, never later inside a request or a task.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ATELIER_VAR_DIR") or BASE_DIR / "var")

if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envbackend(name: str, default: str, choices: dict[str, str]) -> str:
    """A backend picked by short name (ATELIER_STAGER=diffusion) or by dotted path."""
    value = os.environ.get(name, default).strip()
    if value in choices:
        return choices[value]
    if "." in value:
        return value
    raise ImproperlyConfigured(f"{name}={value!r} is not a known backend; choose one of: {', '.join(choices)}.")


def envchoice(name: str, default: str, choices: list[str]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "studio",
    "catalog",
    "forecasting",
    "channels",
    "approvals",
    "automation",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # /api/ only: errors as application/problem+json, and Idempotency-Key on POSTs (studio/api/).
    "studio.api.problems.ProblemDetailsMiddleware",
    "studio.api.idempotency.IdempotencyMiddleware",
    "studio.csp.ContentSecurityPolicyMiddleware",
]
# The Content-Security-Policy (studio/csp.py); a non-empty value replaces it whole.
ATELIER_CSP = os.environ.get("ATELIER_CSP", "").strip()

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.studio",
            ],
            "builtins": ["studio.templatetags.atelier"],
        },
    },
]

# --- Database -----------------------------------------------------------------
# Embedded default: SQLite in var/, in WAL mode so the web process and the
# django-q2 worker (whose ORM broker uses the same database) don't block each other.
_default_db = f"sqlite:///{VAR_DIR / 'atelier.sqlite3'}"
if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
try:
    DATABASES = {"default": environ.Env.db_url_config(os.environ.get("DATABASE_URL") or _default_db)}
except Exception as exc:  # environ raises several types for a malformed URL
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL ({exc}). "
        "Examples: sqlite:////abs/path/db.sqlite3, postgres://user@127.0.0.1:5432/atelier"
    ) from None
if DATABASES["default"].get("ENGINE") not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        "DATABASE_URL must start with sqlite:// or postgres:// (Atelier supports SQLite and PostgreSQL)."
    )

# SQLite: one writer at a time. A writer waits ATELIER_SQLITE_BUSY_TIMEOUT seconds for the
# lock, then its statement is retried ATELIER_SQLITE_LOCK_RETRIES times (studio/sqlite/base.py).
ATELIER_SQLITE_BUSY_TIMEOUT = envint("ATELIER_SQLITE_BUSY_TIMEOUT", 10, minimum=1)
ATELIER_SQLITE_LOCK_RETRIES = envint("ATELIER_SQLITE_LOCK_RETRIES", 3, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "studio.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={ATELIER_SQLITE_BUSY_TIMEOUT * 1000};",
        "transaction_mode": "IMMEDIATE",
        "timeout": ATELIER_SQLITE_BUSY_TIMEOUT,
    }
    # ":memory:" spelled out, not None: pytest-xdist's workers would otherwise each be given a
    # file named after the studio's own database path (pytest-django only knows the stock engine).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(VAR_DIR / "test.sqlite3") if envbool("ATELIER_TEST_SQLITE_ON_DISK", False) else ":memory:"
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------
# Without REDIS_URL: Django's defaults (a per-process memory cache, sessions in the database).
# With it, every web process shares one Redis cache, and sessions are read from it (written
# through to the database, so a flushed or restarted Redis signs nobody out).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}. "
            "Example: redis://127.0.0.1:6379/0"
        )
    if importlib.util.find_spec("redis") is None:
        raise ImproperlyConfigured("REDIS_URL is set but the redis package is missing: pip install -r requirements.txt")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "atelier",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (studio/signin.py): this many wrong passwords for one username from one
# address lock that pair out for this many seconds, on the sign-in page and for Basic auth.
AUTHENTICATION_BACKENDS = ["studio.signin.ThrottledModelBackend"]
ATELIER_LOGIN_MAX_FAILURES = envint("ATELIER_LOGIN_MAX_FAILURES", 5, minimum=1)
ATELIER_LOGIN_LOCKOUT_SECONDS = envint("ATELIER_LOGIN_LOCKOUT_SECONDS", 900, minimum=1)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
# Media is served by Django only in DEBUG (see urls.py); in production by the
# front server or object storage, never through whitenoise.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Media files no row refers to are removed nightly once older than this (manage.py media_sweep).
ATELIER_MEDIA_SWEEP_GRACE_HOURS = envint("ATELIER_MEDIA_SWEEP_GRACE_HOURS", 24, minimum=1)
SALES_IMPORT_MAX_BYTES = envint("SALES_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# Sales imports run in the background: uploads wait here (web and workers must share it),
# and a task works at most this many seconds before queuing the next step (< Q_TIMEOUT).
SALES_IMPORT_DIR = Path(os.environ.get("SALES_IMPORT_DIR") or VAR_DIR / "imports")
SALES_IMPORT_STEP_SECONDS = envint("SALES_IMPORT_STEP_SECONDS", 60, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small JS reads the token for fetch() posts
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Tokens first: missing or bad credentials answer 401 with a Bearer challenge (no browser login box).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "studio.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "studio.api.schema.AtelierAutoSchema",
    "EXCEPTION_HANDLER": "studio.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier API",
    # Shown at the top of /api/docs/: how to authenticate with a token, Idempotency-Key, errors.
    "DESCRIPTION": (BASE_DIR / "studio" / "api" / "API.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "studio.api.schema.problem_responses"],
    # The schema and docs need a role, unless ATELIER_API_SCHEMA_PUBLIC publishes them deliberately.
    "SERVE_PERMISSIONS": ["studio.api.permissions.SchemaAccess"],
}
ATELIER_API_SCHEMA_PUBLIC = envbool("ATELIER_API_SCHEMA_PUBLIC", False)

# --- Background jobs (django-q2) ---------------------------------------------------
# The ORM broker acknowledges tasks, so a task whose worker died runs again:
# tasks must be idempotent. timeout < retry, and every SDK/HTTP timeout < timeout.
Q_TIMEOUT = envint("Q_TIMEOUT", 900, minimum=10)
# A job with no progress for this long (its tasks timed out, its worker died) is marked failed
# with the reason by an every-minute check, never left "running" (studio.services.jobs_fail_stalled).
ATELIER_JOB_STALL_SECONDS = envint("ATELIER_JOB_STALL_SECONDS", 3 * (Q_TIMEOUT + 300), minimum=60)
# A claimed task is leased for this long and its worker renews the lease while it runs
# (studio.taskqueue): a task whose worker died runs again within one lease, not after `retry`.
ATELIER_TASK_LEASE_SECONDS = envint("ATELIER_TASK_LEASE_SECONDS", 30, minimum=5)
Q_CLUSTER = {
    "name": "atelier",
    "orm": "default",
    "broker_class": "studio.taskqueue.LeasedORM",
    "workers": envint("Q_WORKERS", 1, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 300,  # unused by the leased broker; kept above timeout as django-q2 checks
    # Claim one task ahead of the workers, not fifty: a dead cluster holds little, a stop drains fast.
    # The pusher keeps the lease of a claimed task until a worker starts it (studio.taskqueue).
    "queue_limit": 1,
    "bulk": 1,
    "max_attempts": envint("Q_MAX_ATTEMPTS", 3, minimum=1),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 1,
    "label": "Background tasks",
    "sync": envbool("Q_SYNC", False),
    "ALT_CLUSTERS": {
        # `python manage.py runworker` with Q_CLUSTER_NAME=gpu on a GPU machine
        # runs only the diffusion staging tasks enqueued with cluster="gpu".
        "gpu": {"workers": envint("Q_GPU_WORKERS", 1, minimum=1), "timeout": 1800, "retry": 2100},
    },
}

# --- AI backends (named, like STORAGES) -------------------------------------------
# Each step picks its backend by a short name or a dotted path from the environment;
# the backend class declares the OPTIONS it reads from the environment and checks them
# (studio/backends.py: backend_config imports only the chosen class, which stays cheap).
# A bad name, a class of another step or a missing/bad variable stops start-up here.
from studio.backends import TaskQueue, backend_config  # noqa: E402

_COPYWRITERS = {
    "template": "catalog.copywriting.template.TemplateCopywriter",
    "anthropic": "catalog.copywriting.anthropic.AnthropicCopywriter",
}
_STAGERS = {
    "compositor": "catalog.staging.compositor.CompositorStager",
    "diffusion": "catalog.staging.diffusion.DiffusionStager",
}
_CUTTERS = {
    "u2netp": "catalog.cutout.learned.U2NetPCutter",
    "onnx": "catalog.cutout.learned.OnnxCutter",
    "classical": "catalog.cutout.classical.ClassicalCutter",
}
_queue = TaskQueue.from_q_cluster(Q_CLUSTER)
ATELIER_BACKENDS: dict[str, dict] = {
    "cutout": backend_config(
        "cutout", envbackend("ATELIER_CUTOUT", "u2netp", _CUTTERS), env="ATELIER_CUTOUT", queue=_queue
    ),
    "copywriter": backend_config(
        "copywriter", envbackend("ATELIER_COPYWRITER", "template", _COPYWRITERS), env="ATELIER_COPYWRITER", queue=_queue
    ),
    "stager": backend_config(
        "stager", envbackend("ATELIER_STAGER", "compositor", _STAGERS), env="ATELIER_STAGER", queue=_queue
    ),
}
# Diffusion staging runs on the "gpu" cluster when one serves it (Q_CLUSTER_NAME=gpu workers).
ATELIER_STAGING_CLUSTER = os.environ.get("ATELIER_STAGING_CLUSTER", "").strip()

# --- Shopify --------------------------------------------------------------------
# Publishing and the order pull are on when a shop and token are set; the webhook
# secret (the app's client secret) is needed to accept order webhooks.
SHOPIFY_SHOP_DOMAIN = os.environ.get("SHOPIFY_SHOP_DOMAIN", "").strip()
SHOPIFY_ACCESS_TOKEN = os.environ.get("SHOPIFY_ACCESS_TOKEN", "").strip()
SHOPIFY_API_VERSION = os.environ.get("SHOPIFY_API_VERSION", "2025-07").strip()
SHOPIFY_WEBHOOK_SECRET = os.environ.get("SHOPIFY_WEBHOOK_SECRET", "").strip()
SHOPIFY_BASE_URL = os.environ.get("SHOPIFY_BASE_URL", "").strip()  # a test or proxy endpoint instead of the shop
SHOPIFY_TIMEOUT = envint("SHOPIFY_TIMEOUT", 20, minimum=1)
SHOPIFY_VENDOR = os.environ.get("SHOPIFY_VENDOR", "").strip()
# The location whose stock Atelier sets, e.g. gid://shopify/Location/1: new variants' stock on publishing and every
# stock push (empty: new variants' stock is left to Shopify; pushes go to the one location a variant is stocked at).
SHOPIFY_LOCATION_GID = os.environ.get("SHOPIFY_LOCATION_GID", "").strip()
if bool(SHOPIFY_SHOP_DOMAIN) != bool(SHOPIFY_ACCESS_TOKEN):
    raise ImproperlyConfigured("Set both SHOPIFY_SHOP_DOMAIN and SHOPIFY_ACCESS_TOKEN, or neither.")
# The address the internet reaches this installation's media at, for file exports: Shopify's CSV importer
# fetches each Image Src itself, so a local address (127.0.0.1) can't work. Empty: exports explain that.
ATELIER_PUBLIC_URL = os.environ.get("ATELIER_PUBLIC_URL", "").strip().rstrip("/")
if ATELIER_PUBLIC_URL and not re.match(r"^https?://[^/\s]+", ATELIER_PUBLIC_URL):
    raise ImproperlyConfigured(f"ATELIER_PUBLIC_URL must start with https:// or http://, not {ATELIER_PUBLIC_URL!r}.")

# --- Etsy -----------------------------------------------------------------------
# On when the app's keystring and shared secret are set (a studio's own app on Etsy, see
# the README); a shop manager then connects the shop on the Connect Etsy page (OAuth).
ETSY_API_KEY = os.environ.get("ETSY_API_KEY", "").strip()  # the app's keystring
ETSY_SHARED_SECRET = os.environ.get("ETSY_SHARED_SECRET", "").strip()
if bool(ETSY_API_KEY) != bool(ETSY_SHARED_SECRET):
    raise ImproperlyConfigured("Set both ETSY_API_KEY and ETSY_SHARED_SECRET, or neither.")
ETSY_BASE_URL = os.environ.get("ETSY_BASE_URL", "https://openapi.etsy.com").strip()  # a test server instead of Etsy
ETSY_CONNECT_URL = os.environ.get("ETSY_CONNECT_URL", "https://www.etsy.com/oauth/connect").strip()
ETSY_REDIRECT_URI = os.environ.get("ETSY_REDIRECT_URI", "").strip()  # empty: this site's /channels/etsy/callback/
ETSY_TIMEOUT = envint("ETSY_TIMEOUT", 20, minimum=1)
ETSY_PER_SECOND = envint("ETSY_PER_SECOND", 10, minimum=1)
ETSY_LISTING_STATE = os.environ.get("ETSY_LISTING_STATE", "draft").strip().lower()
if ETSY_LISTING_STATE not in ("draft", "active"):
    raise ImproperlyConfigured(f"ETSY_LISTING_STATE must be draft or active, not {ETSY_LISTING_STATE!r}.")

# --- Sales channels (named, like STORAGES) -------------------------------------------
# Each channel's class reads its settings above (SHOPIFY_*); OPTIONS here override them.
# A configured channel is on only when its settings are complete (channels/registry.py).
ATELIER_CHANNELS: dict[str, dict] = {
    "shopify": {"BACKEND": "channels.shopify.channel.ShopifyChannel", "OPTIONS": {}},
    "etsy": {"BACKEND": "channels.etsy.channel.EtsyChannel", "OPTIONS": {}},
}

# --- Forecasting ----------------------------------------------------------------
ATELIER_FORECAST_HORIZON = envint("ATELIER_FORECAST_HORIZON", 12, minimum=1)
ATELIER_FORECAST_PROPHET = envbool("ATELIER_FORECAST_PROPHET", True)
ATELIER_FORECAST_CHUNK = envint("ATELIER_FORECAST_CHUNK", 200, minimum=1)
_service_level = envint("ATELIER_SERVICE_LEVEL", 95, minimum=50)  # percent of weeks without a stock-out
if _service_level > 99:
    raise ImproperlyConfigured(f"ATELIER_SERVICE_LEVEL must be a percentage from 50 to 99, not {_service_level}.")
ATELIER_SERVICE_LEVEL = _service_level / 100
ATELIER_PLAN_WEEKS = envint("ATELIER_PLAN_WEEKS", 4, minimum=1)
ATELIER_REFIT_AFTER_IMPORT = envbool("ATELIER_REFIT_AFTER_IMPORT", True)  # new sales → refit and plan again

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {"quiet_assets": {"()": "studio.logging_filters.QuietAssetRequests"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The dev server's request log, without the successful static and media requests of every page.
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["quiet_assets"],
            "level": "INFO",
            "propagate": False,
        },
        # Prophet logs an ERROR at import when plotly (its optional plotting extra) is missing; nothing plots here.
        "prophet.plot": {"level": "CRITICAL"},
    },
}

# --- Outgoing webhooks (automation) ----------------------------------------------------
# A receiver has this long to answer 2xx (it must stay below Q_TIMEOUT); a rotated secret stays valid
# beside the new one this long; an endpoint failing this many days in a row is switched off.
ATELIER_WEBHOOK_TIMEOUT = envint("ATELIER_WEBHOOK_TIMEOUT", 15, minimum=1)
ATELIER_WEBHOOK_ROTATION_HOURS = envint("ATELIER_WEBHOOK_ROTATION_HOURS", 24, minimum=0)
ATELIER_WEBHOOK_DISABLE_AFTER_DAYS = envint("ATELIER_WEBHOOK_DISABLE_AFTER_DAYS", 5, minimum=1)
# Tests and benchmarks only: lets webhooks go to this machine (127.0.0.1, ::1). Never on in production.
ATELIER_WEBHOOK_ALLOW_LOOPBACK = envbool("ATELIER_WEBHOOK_ALLOW_LOOPBACK", False)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["WebhookEventTypeEnum"] = (
    "automation.payloads.EVENT_TYPE_CHOICES"
)
if ATELIER_WEBHOOK_TIMEOUT >= Q_TIMEOUT:
    raise ImproperlyConfigured("ATELIER_WEBHOOK_TIMEOUT must be shorter than Q_TIMEOUT.")

ATELIER_DEMO_PASSWORD = os.environ.get("ATELIER_DEMO_PASSWORD", "atelier-demo")

# --- Photo intake -------------------------------------------------------------------
# Uploads over either limit are refused with a message; the pixel limit is checked
# from the header, before decoding, so a decompression bomb never reaches memory.
ATELIER_PHOTO_MAX_BYTES = envint("ATELIER_PHOTO_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
ATELIER_PHOTO_MAX_PIXELS = envint("ATELIER_PHOTO_MAX_PIXELS", 50_000_000, minimum=1)
