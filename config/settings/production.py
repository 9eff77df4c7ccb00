"""Production settings. Everything that differs comes from the environment; SECRET_KEY and
FIELD_ENCRYPTION_KEYS must be set."""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool, logging_config

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set in production: one or more Fernet keys, comma-separated, newest first "
        '(make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
    )
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):  # noqa: F405
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: key {_position} is not a Fernet key.") from None
# A weak key is an error at start, not only check --deploy's warning W009 (review D21). Django's own thresholds.
if (
    len(os.environ["SECRET_KEY"]) < 50
    or len(set(os.environ["SECRET_KEY"])) < 5
    or os.environ["SECRET_KEY"].startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use 50 or more random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

DEBUG = False
# One JSON object per log line for the log collector unless LOG_FORMAT says otherwise (base.py: logging_config).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# X-Forwarded-Proto is believed only when the operator says a proxy in front sets it (and strips the client's):
# otherwise a client could claim HTTPS over plain HTTP and skip the redirect (review D21).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER_TRUSTED", False) else None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and scrapers may use plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The interview language (ru/uk) can hint at a claimant's nationality: HTTPS only, not sent cross-site, and not
# readable by scripts (nothing in the pages reads it). Review D21.
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True

STATIC_ROOT = BASE_DIR / "staticfiles"  # `make serve` runs collectstatic
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WhiteNoise's compressed manifest storage, with the manifest kept outside STATIC_ROOT so it is not served.
    "staticfiles": {"BACKEND": "screening.static_storage.PrivateManifestStaticFilesStorage"},
}
STATIC_MANIFEST_ROOT = BASE_DIR / "staticfiles-manifest"
