"""Project settings, driven by environment variables (see README, "Configuration").

One module for every environment. ``DJANGO_ENV=production`` switches on the safety checks in
``_check_production`` so that a deployment refuses to start on development defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]


ENVIRONMENT = env("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

# Development-only defaults: production refuses every one of them (see _check_production).
_DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"  # noqa: S105
_DEV_FIELD_KEYS = "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmchIQ=="
_DEV_BLIND_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LWZvci1obWFj"

SECRET_KEY = env("SECRET_KEY", _DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# How many reverse proxies in front of the app append to X-Forwarded-For (0: trust none), and the
# addresses (or networks) the nearest one connects from: the header counts only from those.
TRUSTED_PROXY_HOPS = int(env("TRUSTED_PROXY_HOPS", "0"))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

# Field encryption key ring: "id:base64key,id:base64key"; the first key encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env("FIELD_ENCRYPTION_KEYS", _DEV_FIELD_KEYS)
# "aes-256-gcm" (default) or "sm4-gcm" (GB/T 32907, the national algorithm).
FIELD_ENCRYPTION_ALGORITHM = env("FIELD_ENCRYPTION_ALGORITHM", "aes-256-gcm")
# HMAC key for blind indexes (matching encrypted values); never rotated with the key ring.
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", _DEV_BLIND_INDEX_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_bootstrap5",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rules.apps.AutodiscoverRulesConfig",
    "core",
    "accounts",
    "regions",
    "notifications",
    "registry",
    "portal",
    "supervision",
    "subsidies",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read replica routing (core/db/routing.py): a no-op unless DATABASE_REPLICA_URL is set.
    "core.db.routing.ReplicaReadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.AuditContextMiddleware",
    "core.middleware.TenantScopeMiddleware",
]

ROOT_URLCONF = "childcare.urls"
WSGI_APPLICATION = "childcare.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "core.context_processors.navigation",
            ],
            # {% url %} through core.reverse.cached_reverse (a list's per-row links without a reverse() each).
            # The date filter writes plain formats ("Y-m-d H:i") itself (core.templatetags.fast_date).
            "builtins": ["core.templatetags.fast_url", "core.templatetags.fast_date"],
        },
    },
]
# Forms render through Django's templates, except the plain widgets (inputs, text areas, selects), which
# core.widgets writes in Python with the same bytes.
FORM_RENDERER = "core.widgets.FastFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childcare"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...).")
# Django's PostgreSQL backend that also sends the tenant scope for row-level security (core/db/).
DATABASES["default"]["ENGINE"] = "core.db"
# Plain SELECTs compiled once per query shape (core/db/compiler.py): "on"; "verify" compiles each one both
# ways and raises on a difference (the test suite); "off" compiles every query the Django way.
SQL_SHAPE_CACHE = env("SQL_SHAPE_CACHE", "on")
if SQL_SHAPE_CACHE not in {"on", "off", "verify"}:
    raise ImproperlyConfigured("SQL_SHAPE_CACHE must be on, off or verify.")
if env("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
# A PostgreSQL streaming replica for the public portal's and the dashboards' reads (core/db/routing.py
# has the rule: never a read that must see its own write). Unset: one database, nothing changes.
# DATABASE_REPLICA_HOST ("host" or "host:port") names the replica with DATABASE_URL's role, password and
# database (the compose scale profile); DATABASE_REPLICA_URL says it all.
if env("DATABASE_REPLICA_URL") or env("DATABASE_REPLICA_HOST"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL") or "",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    ) if env("DATABASE_REPLICA_URL") else {**DATABASES["default"]}
    if not env("DATABASE_REPLICA_URL"):
        host, _, port = env("DATABASE_REPLICA_HOST").partition(":")
        DATABASES["replica"].update(HOST=host, PORT=int(port or 5432))
    DATABASES["replica"]["ENGINE"] = "core.db"  # the same tenant setting (row-level security) on both
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db.routing.ReplicaRouter"]
# Views whose GET/HEAD reads may go to the replica: view name -> the scope levels it applies to
# (None: every scope). The home page only for province and country scopes (their summaries).
REPLICA_READ_VIEWS = {
    "portal:search": None,
    "portal:institution": None,
    "portal:verify_receipt": None,
    "portal:open_data": None,
    "portal:open_data_csv": None,
    "portal:open_data_xlsx": None,
    "api-public-institutions": None,
    "indicators:dashboard": None,
    "indicators:trend": None,
    "indicators:drill": None,
    "api-indicators": None,
    "core:home": ("province", "country"),
}
# After a write, the same browser reads the primary for this long (seconds).
REPLICA_PIN_SECONDS = int(env("REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# Redis down is a cache miss, not a 500 (core/cache.py); short timeouts so a request never hangs on it.
CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                      "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
# Sessions read from Redis (the cache), written through to the database: a page view reads no session row
# from PostgreSQL; logout and expiry clear both (docs/operations.md).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page may be framed, except a filing's PDF inside the platform's own review page
# (registry.views.filings.document_file: SAMEORIGIN and CSP frame-ancestors 'self').
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts only from the platform's own static files — no inline
# script, no event-handler attribute, no eval (static/js/app.js carries what pages need). Inline
# style attributes stay allowed (they cannot run code). Map tiles from Tianditu when configured.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https://*.tianditu.gov.cn"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.passwords.PasswordHistoryValidator",
     "OPTIONS": {"count": int(env("PASSWORD_HISTORY_COUNT", "5"))}},
]
# A second factor (TOTP, accounts/otp.py) for every commission, administrative and auditor account:
# on in production; off by default elsewhere so local demos and tests sign in with a password
# (tests/accounts/test_two_factor.py and the browser journey switch it on).
OTP_REQUIRED = env_bool("OTP_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = "托育机构备案与监管平台"
# Commission, administrative and auditor accounts must change their password after this many days
# (0: never); operators and machine accounts do not expire (accounts.passwords.password_expired).
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", "90"))
# A page session ends after this long without a request, and this long after sign-in whatever
# happens (accounts.middleware.SessionPolicyMiddleware).
SESSION_IDLE_TIMEOUT_SECONDS = int(env("SESSION_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT_SECONDS = int(env("SESSION_ABSOLUTE_TIMEOUT_SECONDS", str(8 * 3600)))
# One backend: Django's model backend behind the login guard (accounts.login_guard).
AUTHENTICATION_BACKENDS = ["accounts.backends.GuardedModelBackend"]
# Login guard: failures per account (any address) and per client address (any account) in a window.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_FAILURE_WINDOW_SECONDS = int(env("LOGIN_FAILURE_WINDOW_SECONDS", str(15 * 60)))
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Our own catalogue first: strings Django's zh_Hans catalogue leaves in English (admin captions).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # WhiteNoise's and Django's storages, each static file's URL computed once (core/staticfiles.py).
        "BACKEND": "core.staticfiles.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "core.staticfiles.StaticFilesStorage"
    },
}
# Uploaded filing documents: accepted by content, at most this many bytes each.
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# Audit trail retention: monthly partitions older than this are detached into the schema
# audit_archive by `manage.py audit_partitions --archive` (at least 180 days; core/partitions.py).
AUDIT_RETENTION_DAYS = int(env("AUDIT_RETENTION_DAYS", "365"))
# Upload virus scanning through an optional ClamAV daemon (core/scanning.py): a unix socket
# (CLAMD_SOCKET) or host and port. Unset: uploads are not scanned. UPLOAD_SCAN_FAIL_CLOSED (default
# on; keep it on in production): while the daemon is down, uploads are refused (upload_scan_unavailable).
CLAMD_SOCKET = env("CLAMD_SOCKET", "")
CLAMD_HOST = env("CLAMD_HOST", "")
CLAMD_PORT = int(env("CLAMD_PORT", "3310"))
CLAMD_TIMEOUT_SECONDS = float(env("CLAMD_TIMEOUT_SECONDS", "30"))
UPLOAD_SCAN_FAIL_CLOSED = env_bool("UPLOAD_SCAN_FAIL_CLOSED", True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Fonts for PDFs (receipts, notices): a CJK TrueType/OpenType file.
CJK_FONT_PATH = env("CJK_FONT_PATH", "")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Public receipt verification (/verify/<no>/), per client IP: receipt numbers are sequential, so the
# page must not be walkable. (max requests, window seconds) pairs; a person scanning QR codes stays
# far below them.
VERIFY_RATE_LIMITS = ((int(env("VERIFY_RATE_PER_MINUTE", "20")), 60), (int(env("VERIFY_RATE_PER_DAY", "300")), 86400))
# Complaints from the public, per client address: filing (page and API) and following one up with
# its tracking code (codes are secrets: guessing is slowed down like receipt numbers).
COMPLAINT_RATE_LIMITS = ((int(env("COMPLAINT_RATE_PER_HOUR", "5")), 3600),
                         (int(env("COMPLAINT_RATE_PER_DAY", "20")), 86400))
COMPLAINT_TRACK_RATE_LIMITS = ((int(env("COMPLAINT_TRACK_RATE_PER_MINUTE", "20")), 60),
                               (int(env("COMPLAINT_TRACK_RATE_PER_DAY", "300")), 86400))
# The public portal (search page, search API, institution pages) and its open-data exports, per client
# IP: generous for a family, tight enough that nobody walks the whole country through the search.
PUBLIC_RATE_LIMITS = ((int(env("PUBLIC_RATE_PER_MINUTE", "60")), 60), (int(env("PUBLIC_RATE_PER_DAY", "3000")), 86400))
EXPORT_RATE_LIMITS = ((int(env("EXPORT_RATE_PER_MINUTE", "5")), 60), (int(env("EXPORT_RATE_PER_DAY", "100")), 86400))
# How long browsers and a CDN may keep a public page or answer (Cache-Control: public, max-age).
PUBLIC_CACHE_SECONDS = int(env("PUBLIC_CACHE_SECONDS", "300"))
# Map tiles: Tianditu WMTS (vec_w + cva_w, CGCS2000 ≈ WGS-84) with this key; none: markers and list only.
TIANDITU_KEY = env("TIANDITU_KEY", "")
TIANDITU_URL = env("TIANDITU_URL", "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                   "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                   "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@childcare.invalid")

# API tokens expire this many hours after issue (and at logout).
API_TOKEN_TTL_HOURS = float(env("API_TOKEN_TTL_HOURS", "12"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "core.drf.MachineAccountsOnlyWhereAllowed"],
    "DEFAULT_PARSER_CLASSES": ["core.drf.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The OpenAPI schema and docs answer anonymous visitors only outside production (core.drf.ApiDocsPermission).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", not PRODUCTION)
SPECTACULAR_SETTINGS = {
    "TITLE": "托育机构备案与监管平台 API",
    "DESCRIPTION": "Childcare institution registration, filing and supervision platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.drf.ApiDocsPermission"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InstitutionStatusEnum": "registry.models.InstitutionStatus",
        "InstitutionKindEnum": "registry.models.InstitutionKind",
        "FilingStatusEnum": "registry.models.FilingStatus",
        "FilingKindEnum": "registry.models.FilingKind",
        "ClaimStatusEnum": "registry.models.ClaimStatus",
        "BlacklistEntryKindEnum": "supervision.models.EntryKind",
        "BlacklistEntryStatusEnum": "supervision.models.EntryStatus",
        "BlacklistHitStatusEnum": "supervision.models.HitStatus",
        "ComplaintStatusEnum": "supervision.models.ComplaintStatus",
        "ComplaintOutcomeEnum": "supervision.models.ComplaintOutcome",
        "IncidentKindEnum": "supervision.models.IncidentKind",
        "IncidentSeverityEnum": "supervision.models.IncidentSeverity",
        "IncidentStatusEnum": "supervision.models.IncidentStatus",
        "PenaltyKindEnum": "supervision.models.enforcement.PenaltyKind",
        "ChecklistSeverityEnum": "supervision.models.inspections.Severity",
        "RectificationOrderStatusEnum": "supervision.models.inspections.OrderStatus",
        "DepartmentEnum": "supervision.models.inspections.Department",
    },
}

# Celery: Redis broker, schedule in code (childcare/celery.py), redbeat's lock against double beats.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# A worker process killed mid-task (OOM, kill -9, a lost node): the message goes back on the queue and
# runs again, instead of being acknowledged as failed. Every task is idempotent for this
# (tests/core/test_fault_worker.py kills one).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = env("REDBEAT_REDIS_URL", REDIS_URL)
CELERY_REDBEAT_LOCK_TIMEOUT = 5 * 60

PGHISTORY_APPEND_ONLY = True
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}


def _placeholder(value: str | None) -> bool:
    """A value copied from .env.example or a docs example instead of a generated secret."""
    lowered = (value or "").lower()
    return any(word in lowered for word in ("change-me", "changeme", "django-insecure", "example", "dev-only"))


def _check_production() -> None:
    problems = []
    secret = SECRET_KEY or ""
    if secret == _DEV_SECRET_KEY or len(secret) < 50 or len(set(secret)) < 10 or _placeholder(secret):
        problems.append("SECRET_KEY must be set to 50+ random characters")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the real host names (never '*')")
    if FIELD_ENCRYPTION_KEYS == _DEV_FIELD_KEYS or _placeholder(FIELD_ENCRYPTION_KEYS):
        problems.append("FIELD_ENCRYPTION_KEYS must be set (development keys are public)")
    else:
        from core.crypto import _ring  # parse the ring now: a bad key must stop start-up, not the first save

        try:
            ring = _ring(FIELD_ENCRYPTION_KEYS or "")
        except ImproperlyConfigured as exc:
            problems.append(str(exc))
        else:
            if len({key_id for key_id, _ in ring}) != len(ring):
                problems.append("FIELD_ENCRYPTION_KEYS: key ids must be unique")
    if FIELD_ENCRYPTION_ALGORITHM not in ("aes-256-gcm", "sm4-gcm"):
        problems.append("FIELD_ENCRYPTION_ALGORITHM must be aes-256-gcm or sm4-gcm")
    blind = BLIND_INDEX_KEY or ""
    if blind == _DEV_BLIND_INDEX_KEY or _placeholder(blind) or len(blind) < 32 or len(set(blind)) < 10:
        problems.append("BLIND_INDEX_KEY must be set to 32+ random characters (the development key is public)")
    if "DATABASE_URL" not in os.environ:
        problems.append("DATABASE_URL must be set")
    media = MEDIA_ROOT.resolve()
    if any(media == root or root in media.parents or media in root.parents
           for root in (STATIC_ROOT.resolve(), *(Path(d).resolve() for d in STATICFILES_DIRS))):
        # WhiteNoise serves static files to anyone: uploaded scans and receipts must never be among them.
        problems.append("MEDIA_ROOT must not overlap STATIC_ROOT or STATICFILES_DIRS")
    if problems:
        raise ImproperlyConfigured("Unsafe production settings: " + "; ".join(problems))


if PRODUCTION:
    _check_production()
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # The proxy terminates TLS and says so in X-Forwarded-Proto; plain HTTP is redirected. The
    # containers' own health probe talks to gunicorn directly over HTTP, so /healthz is exempt.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
