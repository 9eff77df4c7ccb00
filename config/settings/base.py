"""Settings shared by every environment. Production differences come only from environment variables."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import orjson

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "screening.apps.TwoFactorAdminConfig",  # django.contrib.admin, verified sessions only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",  # sign-in lockout (review D1)
    "django_otp",  # two-factor authentication: TOTP apps and one-time backup codes (screening/web/two_factor.py)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "screening",
]

MIDDLEWARE = [
    "screening.log_context.RequestIdMiddleware",  # X-Request-ID, and the id on every log line of the request
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",  # serves static files under gunicorn (docs UI, CSS)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "screening.audit_context.AuditContextMiddleware",  # who changed a token, role or profile (audit_security.py)
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "screening.web.sessions.SessionTimeoutMiddleware",  # idle and absolute session limits (review D9)
    "screening.web.two_factor.TwoFactorMiddleware",  # a user who needs the second factor sees nothing else
    "screening.web.claimant.ClaimantModeMiddleware",  # a session handed to a claimant reaches one interview only
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out sign-in into the lockout page (keep last)
]

# Sign-in lockout (django-axes): a username, or an IP address, with AXES_FAILURE_LIMIT failed sign-ins in a row
# is refused for AXES_COOLOFF_MINUTES, even with the right password. Axes' backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per address
# A success does not clear failures (else anyone with an account could sign in between guesses at others to reset
# their address's count); failures are forgotten after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "screening.web.lockout.locked_out_page"
AXES_CLIENT_IP_CALLABLE = "screening.auth.client_ip"  # the same client address as the audit trail
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are audited by the app; no second log of addresses to retain
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Refuge Screen"  # shown next to the account in the authenticator app
# A password-reset link an organisation admin issues (screening/web/member_reset.py) works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_SECONDS", str(24 * 3600)))

ROOT_URLCONF = "config.urls"

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
                "screening.web.claimant.claimant_mode",
                "screening.web.languages.interview_language",
                "screening.web.sessions.session_limits",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite file by default; PostgreSQL (or any database) when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,  # a connection dropped by the server is replaced, not a 500 (review D8)
    )
}
# PostgreSQL: give up connecting after DB_CONNECT_TIMEOUT seconds and cancel any statement running longer than
# DB_STATEMENT_TIMEOUT seconds (0: no limit), so a hung database turns into a 503, not a stalled worker (D8).
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
    _db_options["options"] = (
        f"{_db_options.get('options', '')} -c statement_timeout={int(os.environ.get('DB_STATEMENT_TIMEOUT', '30'))}s"
    ).strip()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # NIST SP 800-63B: at least 12 characters (review D1); the admin, createuser and password changes all use it.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("uk", "Українська")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
LOCALE_PATHS = [BASE_DIR / "locale"]  # the UI's ru/uk catalogues (.po and the compiled .mo are committed)
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:case-list"
LOGOUT_REDIRECT_URL = "web:login"
# Development and tests serve static files straight from the apps; production collects them (production.py).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The partner REST API (/api/v1/): JSON only, token or session auth, scope permission, rate limit, one error body.
REST_FRAMEWORK = {
    # orjson: a full assessment is ~45 KB of JSON; the standard library's encoder was ~1 ms of every detail GET.
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS,),
    "DEFAULT_PARSER_CLASSES": ["screening.throttling.SizeLimitedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "screening.auth.PartnerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["screening.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["screening.throttling.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "screening.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "screening.openapi.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# OpenAPI 3 schema (/api/schema/) and its documentation (/api/docs/), served from local static files only.
SPECTACULAR_SETTINGS = {
    "TITLE": "Refuge Screen partner API",
    "DESCRIPTION": (
        "Screening of refugee claims arising from military service: candidate grounds, never a decision. "
        "Send `Authorization: Token <token>`. Every error has the body `{code, message, errors}`."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ApiErrorCodeEnum": "screening.errors.API_ERROR_CODE_CHOICES",
        "ScreeningStatusEnum": "screening.models.ScreeningStatus",
        "RespondentEnum": "screening.models.Respondent",
        "LanguageEnum": [code for code, _name in LANGUAGES],
        "StrengthEnum": ["strong", "arguable", "needs_information"],
    },
    "TAGS": [
        {"name": "catalogue", "description": "The questionnaire, the outcomes and the country profiles (public)."},
        {"name": "evaluate", "description": "Stateless evaluation: nothing is stored or audited."},
        {"name": "screenings", "description": "Stored screenings of your organisation (audited)."},
        {"name": "account", "description": "Who you are: your organisation, partner client and scope."},
    ],
}

# Encryption at rest of answers and assessments (screening/encryption.py, review D5): Fernet keys, comma-separated,
# newest first. The newest encrypts; every key decrypts (rotation: put a new key first, run `manage.py
# rotate_keys`, then drop the old one). Required by the production settings; local and test have a fixed one.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")

# Redis: ONE setting for everything that uses it (Celery broker and result store, the shared cache).
REDIS_URL = os.environ.get("REDIS_URL", "")

# Django's cache holds the API's rate-limit counts and the failed-token counts per address. With REDIS_URL it is
# Redis, shared by every server process, so the limits hold across processes and hosts (review D12); without it,
# each process counts on its own (local memory: development, one process).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "refuge-screen",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

# Celery (config/celery.py). A broker is optional: without one, jobs run in the web process (JOB_EXECUTOR).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TASK_IGNORE_RESULT = True  # job results live in the database (JobItem), not in the result store
# A chunk is acknowledged only once it is done, and a worker killed mid-chunk gives it back to the queue; the
# chunk task is idempotent (screening/jobs.py), so running it again creates nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis gives an unacknowledged message to another worker after `visibility_timeout` seconds (the worker holding
# it died); workers look for such messages about every interval x throttle seconds (kombu's defaults: 10 x 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Content-Security-Policy (django-csp; review D10): every page loads scripts, styles, images, fonts and data from
# this site only, runs no inline script or style, cannot be framed, and posts its forms here. The API docs page
# adds what Swagger UI needs (screening/api_docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The app's own settings, in one namespaced dict.
SCREENING = {
    # Which ruleset (rules/rulesets/<slug>/<version>/) evaluates answers.
    "RULESET": os.environ.get("SCREENING_RULESET", "military_service/1.1.0"),
    # Country profiles (COI defaults) loaded by `manage.py loadprofiles`.
    "COUNTRY_PROFILES_FILE": BASE_DIR / "fixtures" / "country_profiles.yaml",
    # Partner API rate limit per client (or user): "<n>/<s|min|hour|day>".
    "API_RATE": os.environ.get("SCREENING_API_RATE", "1200/min"),
    # Failed partner-token attempts allowed per client address, "<n>/<s|min|hour|day>"; then 429 (review D12).
    "FAILED_TOKEN_RATE": os.environ.get("SCREENING_FAILED_TOKEN_RATE", "20/min"),
    # Largest request body the partner API reads (bytes).
    "API_MAX_BODY_BYTES": 10 * 1024 * 1024,
    # Claimant mode: seconds without a request before the hand-over page comes back; wrong passwords allowed
    # when the caseworker takes the device back before the session is signed out.
    "CLAIMANT_IDLE_SECONDS": int(os.environ.get("SCREENING_CLAIMANT_IDLE_SECONDS", "900")),
    "CLAIMANT_LEAVE_ATTEMPTS": 5,
    # Signed-in sessions end after this many seconds without a request, and this many after sign-in
    # (screening/web/sessions.py).
    "SESSION_IDLE_SECONDS": int(os.environ.get("SESSION_IDLE_SECONDS", "1800")),
    "SESSION_ABSOLUTE_SECONDS": int(os.environ.get("SESSION_ABSOLUTE_SECONDS", "43200")),
    # Background jobs (screening/jobs.py): items per chunk task, and where chunks run: "celery" (the workers of
    # `make worker`), "thread" (a background thread of the web process: the default with no broker) or "inline"
    # (at once, in the caller: tests and commands).
    "JOB_CHUNK_SIZE": int(os.environ.get("SCREENING_JOB_CHUNK_SIZE", "100")),
    "JOB_EXECUTOR": os.environ.get("SCREENING_JOB_EXECUTOR", "celery" if CELERY_BROKER_URL else "thread"),
    # Webhooks (screening/webhooks.py): attempts per delivery; http:// URLs only where a setting allows it
    "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("SCREENING_WEBHOOK_MAX_ATTEMPTS", "6")),
    "WEBHOOK_ALLOW_HTTP": os.environ.get("SCREENING_WEBHOOK_ALLOW_HTTP", "") == "1",
}

# A country-profile value whose newest source (or, without one, the profile's review) is older than this many days
# is shown with a warning to check for newer country information (screening/provenance.py).
COI_STALE_AFTER_DAYS = int(os.environ.get("COI_STALE_AFTER_DAYS", "365"))
# The session cookie and row never outlive the absolute session limit (the idle limit is checked per request).
SESSION_COOKIE_AGE = SCREENING["SESSION_ABSOLUTE_SECONDS"]

# Reverse proxies in front of the app that append to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for). 0: the
# audit trail records REMOTE_ADDR and ignores the header, which any client can write (screening/auth.py client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Days an audit event is kept (`manage.py purge_audit`, run daily): 7 years, long enough for an asylum procedure
# with its appeals and the limitation period of a claim about how the data was handled; at least 366.
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "2555"))

# Answers are special-category data: nothing in the app logs answer values. Keep request bodies out of logs.
# Expected denials (4xx: 401, 403, 404...) log one warning line without a traceback (review D18: every 403 logged
# ~35 lines); 5xx keep theirs. Every line carries the request id of its web request or the job id of its task
# (screening/log_context.py). LOG_FORMAT=json writes one JSON object per line (python-json-logger: timestamp,
# level, logger, message, request_id, job_id and the request line's method, path, status, duration_ms) for a log
# collector; "text" (the default here; production.py defaults to json) is for a person at a terminal.
LOG_FORMATS = ("text", "json")


def logging_config(log_format: str, level: str = "INFO") -> dict:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "client_errors_one_line": {"()": "config.log_filters.ClientErrorsOneLine"},
            "log_context": {"()": "screening.log_context.LogContextFilter"},
        },
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(log_context)s] %(message)s"},
            "json": {
                "()": "config.log_filters.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(job_id)s",
                "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["log_context"]}
        },
        "loggers": {"django.request": {"filters": ["client_errors_one_line"]}},
        "root": {"handlers": ["console"], "level": level},
    }


LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# Prometheus metrics (django-prometheus), off unless METRICS_ENABLED: request counts and latencies by view and
# status, and database query counts and errors, at /metrics (screening/metrics.py). The page is refused (403) unless
# the scraper sends `Authorization: Bearer <METRICS_TOKEN>` or connects from an address in METRICS_ALLOWED_IPS
# (the client address as the audit trail sees it: TRUSTED_PROXY_COUNT). With more than one gunicorn worker, set
# PROMETHEUS_MULTIPROC_DIR to an empty directory so the page adds up every worker's counts (README: Metrics).
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "")
if METRICS_ENABLED:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: sees the view and the status
    ]
    # The same database backend, wrapped to count queries and errors.
    _engine = DATABASES["default"]["ENGINE"]
    if _engine in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        DATABASES["default"]["ENGINE"] = _engine.replace("django.db.backends.", "django_prometheus.db.backends.")
