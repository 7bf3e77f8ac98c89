"""Django settings for waitlist, read once from the environment (and a `.env` file).

Every value has a production-safe default; `make run` turns debug on for development.
The lab's variable names keep working, so a lab `.env` runs unchanged.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from dotenv import load_dotenv

from waitlist.cache import cache_settings
from waitlist.cdn import cdn_origin, cdn_storage, content_security_policy
from waitlist.env import (
    ImproperlyConfiguredError,
    envbool,
    envcolour,
    envfile,
    envint,
    envlist,
    envrate,
    envstr,
    envzone,
    rate_window,
)
from waitlist.mailurl import anymail_settings, parse_email_url, sender

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env", override=False)


# --- Core ---------------------------------------------------------------------------------------
# `make run` sets WAITLIST_DEV_SERVER: debug is on unless DJANGO_DEBUG (or .env) says otherwise.
DEBUG = envbool("DJANGO_DEBUG", envbool("WAITLIST_DEV_SERVER", False))
_INSECURE_KEY = "django-insecure-development-only-key"
SECRET_KEY = envstr("DJANGO_SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfiguredError(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
        "when DJANGO_DEBUG is False (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )
# The lab wrote DJANGO_ALLOWED_HOSTS with ':' between hosts; ',' is the usual separator.
ALLOWED_HOSTS = envlist(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "", colon_too=True
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfiguredError("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is False")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "leads",  # the core: the lead record, the store and its backends, signups, commands
    "front",  # the visitor's pages
    "staff",  # the staff pages and their sign-in
    "api",  # the staff JSON API, its tokens and OpenAPI document
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages only (WhiteNoise answers static files above, precompressed). Django pads the output
    # with random bytes against BREACH, and the CSRF token is masked per response anyway.
    "django.middleware.gzip.GZipMiddleware",
    "waitlist.content_policy.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "leads.middleware.StoreUnavailableMiddleware",
    # Last: it answers before any process_view reads the body, through every header above.
    "leads.middleware.Utf8OnlyMiddleware",
]

ROOT_URLCONF = "waitlist.urls"
WSGI_APPLICATION = "waitlist.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Templates in TEMPLATES_DIR (default <project>/templates, when it exists) win over the apps':
# front/home.html there replaces the landing page. See README, "Your own page".
_templates_dir = BASE_DIR / envstr("TEMPLATES_DIR", "templates")
if envstr("TEMPLATES_DIR") and not _templates_dir.is_dir():
    raise ImproperlyConfiguredError(f"TEMPLATES_DIR is not a folder: {_templates_dir}")
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [_templates_dir] if _templates_dir.is_dir() else [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leads.brand.context",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
# Staff pages show times in this zone; the API, the CSV and the day counters stay in UTC.
TIME_ZONE = envzone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Your own page: the product's name and look, without editing templates ----------------------
SITE_NAME = envstr("SITE_NAME", "Waitlist")
SITE_HEADLINE = envstr("SITE_HEADLINE", "Something new is coming.")
SITE_DESCRIPTION = envstr(
    "SITE_DESCRIPTION",
    "Leave your name and email and we will tell you the moment we launch. "
    "Want to try it first? Ask for preview access.",
)
# The accent of buttons and links, #rgb or #rrggbb; the default blue when unset.
SITE_ACCENT = envcolour("SITE_ACCENT")
# Files relative to the project folder (or absolute); collectstatic publishes them under brand/.
_IMAGES = (".svg", ".png", ".webp", ".jpg", ".jpeg")
SITE_LOGO = envfile("SITE_LOGO", BASE_DIR, _IMAGES)
SITE_IMAGE = envfile("SITE_IMAGE", BASE_DIR, _IMAGES[1:])  # social previews; else the logo
MAIL_FROM_NAME = envstr("MAIL_FROM_NAME", SITE_NAME)
PRIVACY_LINE = envstr("PRIVACY_LINE", "We only use your email to tell you about the launch.")
SHOW_COUNT = envbool("SHOW_COUNT", False)  # the landing page says how many are on the list

# --- Database (Django's own tables, and the leads with LEADS_BACKEND=sql) ------------------------
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,  # a connection that broke while idle is replaced, not used
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent signups queue instead of failing
    # with "database is locked" when a read lock cannot be upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# --- Cache (rate-limit counters, shared by every process and task) ------------------------------
# The database cache by default: gunicorn runs several workers, and a per-process cache (locmem)
# gives each its own counters, so a limit of 10 let through 10 per worker. `migrate` creates the
# table (leads/apps.py). locmem:// is for one process only. dynamodb:// keeps them in the
# DynamoDB store's counters table, off Django's database (the stack's choice).
CACHE_URL = envstr("CACHE_URL", "db://django_cache")
CACHES = cache_settings(CACHE_URL)

# --- Leads store --------------------------------------------------------------------------------
LEADS_BACKEND = envstr("LEADS_BACKEND", "sql")
if LEADS_BACKEND not in ("sql", "dynamodb"):
    raise ImproperlyConfiguredError(f"LEADS_BACKEND must be sql or dynamodb, not {LEADS_BACKEND!r}")
LEADS_TABLE = envstr("LEADS_TABLE", "ccbda-signup-table", "CCBDA_SIGNUP_TABLE")
COUNTERS_TABLE = envstr("COUNTERS_TABLE", f"{LEADS_TABLE}-counters")
AWS_REGION = envstr("AWS_REGION", "us-east-1", "AWS_DEFAULT_REGION")
if CACHE_URL == "dynamodb://" and LEADS_BACKEND != "dynamodb":
    raise ImproperlyConfiguredError("CACHE_URL=dynamodb:// needs LEADS_BACKEND=dynamodb")

# --- Notifications ------------------------------------------------------------------------------
NEW_SIGNUP_TOPIC = envstr("NEW_SIGNUP_TOPIC")
# The worker sends the owner one message per signup up to this many in the window; past it,
# one digest for everything pending ("148 new signups in the last 5 minutes").
NOTIFY_RATE = envrate("NOTIFY_RATE", "20/5m")
if NOTIFY_RATE == "off":
    raise ImproperlyConfiguredError("NOTIFY_RATE must look like 20/5m; it cannot be off")


# --- Mail (to the people who join; sent only by the worker, never on a request) -----------------
# EMAIL_URL picks the transport (waitlist/mailurl.py): console:// under make run, ses:// on AWS.
# Production without it sends nothing and loses nothing: mail stays queued and the worker logs
# an error every few minutes. Not the console there: it would mark mail sent that nobody
# receives, and write its signed links (keys to a person's data) into the logs.
_mail = parse_email_url(envstr("EMAIL_URL", "console://" if DEBUG else ""), region=AWS_REGION)
EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT = _mail.backend, _mail.host, _mail.port
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _mail.user, _mail.password
EMAIL_USE_TLS, EMAIL_USE_SSL = _mail.use_tls, _mail.use_ssl
EMAIL_TIMEOUT = 10  # seconds; Django's default waits on a silent SMTP server for ever
# An address or "Name <address>"; a bare one is sent with MAIL_FROM_NAME (or SITE_NAME) as its
# name (leads/mail.py). Required once mail really leaves.
DEFAULT_FROM_EMAIL = SERVER_EMAIL = sender(envstr("DEFAULT_FROM_EMAIL"), _mail.sends_real_mail)
SES_REGION = _mail.region or AWS_REGION
SES_CONFIGURATION_SET = envstr("SES_CONFIGURATION_SET")
ANYMAIL = anymail_settings(SES_REGION, SES_CONFIGURATION_SET)
# At most this many mails a second (e.g. 5/s, 100/m), beside SES's own rate, which the worker
# reads from SES; off: no cap but SES's (and none at all for other transports).
MAIL_RATE = envrate("MAIL_RATE", "off")


# --- Joiners: confirmation, their links, the line (issues 13 and 14) -----------------------------
# Off: a signup is confirmed at once and gets the welcome mail instead of the confirmation.
DOUBLE_OPT_IN = envbool("DOUBLE_OPT_IN", True)
CONFIRM_LINK_DAYS = envint("CONFIRM_LINK_DAYS", 7)
# The manage and unsubscribe links in every mail: a mail read months later must still unsubscribe.
MANAGE_LINK_DAYS = envint("MANAGE_LINK_DAYS", 365)
# What a joiner agrees to by confirming, kept with their consent record; change the version
# whenever the wording changes.
CONSENT_TEXT = envstr(
    "CONSENT_TEXT", "I want to join the waitlist and get emails about it. I can stop them any time."
)
CONSENT_VERSION = envstr("CONSENT_VERSION", "1")
REFERRAL_BOOST = envint("REFERRAL_BOOST", 5)  # places a credited referral moves its referrer up
REFERRAL_DAILY_CAP = envint("REFERRAL_DAILY_CAP", 20)  # credits to one referrer in a UTC day
INVITE_DAYS = envint("INVITE_DAYS", 30)  # an invitation code's life


# --- Abuse protection ---------------------------------------------------------------------------
SIGNUP_RATE_LIMIT = envrate("SIGNUP_RATE_LIMIT", "10/m")
LOGIN_RATE_LIMIT = envrate("LOGIN_RATE_LIMIT", "10/m")

# The database cache's incr() writes a counter back with the cache's default timeout, so that
# timeout must outlast the longest window, or a client who pauses would start again from zero.
CACHES["default"]["TIMEOUT"] = 5 + max(
    (rate_window(r) for r in (SIGNUP_RATE_LIMIT, LOGIN_RATE_LIMIT) if r != "off"), default=60
)
# How many proxies (load balancer, CDN) stand in front of the app and append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "default"

# --- Staff --------------------------------------------------------------------------------------
LOGIN_URL = "login"  # URL names: the staff app's urls.py alone says where they are
LOGIN_REDIRECT_URL = "search"
LOGOUT_REDIRECT_URL = "/"

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "leads.brand.BrandFinder",  # SITE_LOGO and SITE_IMAGE, and nothing else of their folders
]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Unhashed names may change content, so they are cached briefly; hashed ones for a year.
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (the manifest), plus .gz and .br copies that WhiteNoise negotiates.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# CDN mode (waitlist/cdn.py): on when both are set; the lab's names work too, and the lab's
# CLOUD_FRONT=False turns it off. AWS_ENDPOINT_URL is honoured by boto3 itself.
STATIC_CDN_DOMAIN = envstr("STATIC_CDN_DOMAIN", "", "AWS_S3_CUSTOM_DOMAIN")
STATIC_BUCKET = envstr("STATIC_BUCKET", "", "AWS_STORAGE_BUCKET_NAME")
STATIC_CDN_SCHEME = envstr("STATIC_CDN_SCHEME", "https")
CLOUD_FRONT = envbool("CLOUD_FRONT", bool(STATIC_CDN_DOMAIN or STATIC_BUCKET))
_cdn = {"domain": STATIC_CDN_DOMAIN, "bucket": STATIC_BUCKET, "scheme": STATIC_CDN_SCHEME}
STATIC_CDN_ORIGIN = cdn_origin(**_cdn, enabled=CLOUD_FRONT)
if STATIC_CDN_ORIGIN:
    STORAGES["staticfiles"] = cdn_storage(
        **_cdn, region=AWS_REGION, unhashed_max_age=WHITENOISE_MAX_AGE
    )
    STATIC_URL = f"{STATIC_CDN_ORIGIN}/"
    # WhiteNoise would take STATIC_URL's path, "/", and serve the image's copy at the site root.
    WHITENOISE_STATIC_PREFIX = "/static/"

# --- Security headers ---------------------------------------------------------------------------
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer's health check speaks plain HTTP to the task.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Off only to serve production settings over plain HTTP on localhost (tests, benchmarks).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: scripts and styles come only from us or our CDN.
CONTENT_SECURITY_POLICY = content_security_policy(STATIC_CDN_ORIGIN)

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOGLEVEL", "INFO").upper()},
    "loggers": {"botocore": {"level": "WARNING"}, "boto3": {"level": "WARNING"}},
}
