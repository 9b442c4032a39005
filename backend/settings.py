"""One settings module for every environment, read from environment variables.

A fresh clone runs on SQLite with no set-up; production changes only the
environment (see .env.example).
"""

import datetime
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envjson(name: str, default: str) -> dict:
    try:
        value = json.loads(os.getenv(name, default) or default)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return value


DEBUG = envbool("DEBUG", "True")
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    # Django's admin with the platform's index page (backend/admin_site.py).
    "backend.admin_site.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "jobs",
    "stations",
    "venues",
    "volunteers",
    "events",
    "certificates",
    "orders",
    "points",
    "notifications",
    "reports",
    "django_tasks",
    # django_tasks_db with its admin section named in Chinese.
    "backend.third_party_apps.TasksDatabaseConfig",
    # Operations: Prometheus metrics, and domain events as log lines and metrics.
    "django_prometheus",
    "backend.domain_events",
]

MIDDLEWARE = [
    # Operations: metrics around everything, probes answered before host checks and
    # HTTPS redirects, one log line per request, static files from the app itself.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "backend.health.ProbeMiddleware",
    "backend.request_logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.security_headers.SecurityHeadersMiddleware",
    "backend.request_limits.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A one-time password must be replaced before any other page opens.
    "backend.password_change.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Operations: 503 with Retry-After while the database is unreachable; request metrics.
    "backend.database_unavailable.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backend.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a threaded web server: readers must not block the
    # writer (WAL), a write transaction takes the write lock when it begins instead of
    # failing halfway when it upgrades (IMMEDIATE), and a busy writer is waited for
    # rather than answered with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": envint("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # models.W040: SQLite ignores the non-key columns of a covering index (INCLUDE), here the
    # rollups' unit_hours_period_idx (reports/models.py). The index still serves its key
    # columns; the INCLUDE is only a PostgreSQL speed-up, so the warning says nothing to act on.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Operations: a dropped persistent connection (PostgreSQL restarted) is noticed
# before reuse, and a database that does not answer fails fast (503, not a hang).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", envint("DB_CONNECT_TIMEOUT", 3))
    # PostgreSQL compiles a plan with LLVM when its estimated cost is high, and per-row subqueries
    # (a unit's volunteers, a station's hours) are estimated far above what they read: measured on
    # the province benchmark, the public units list spent 405 of its 450 ms compiling, and a
    # province's year summary took 24 ms instead of 13. DB_JIT=true leaves the server's setting.
    if not envbool("DB_JIT", "false"):
        options = DATABASES["default"]["OPTIONS"]
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# Operations: with Redis down, the cache answers from process memory (logged and
# counted) so logins and throttled requests keep working; /readyz reports it.
REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "backend.cache_fallback.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# API tokens: django-rest-knox, each bound to the password it was issued under (accounts/tokens.py).
# knox's own token model, named because migrations refer to it through this setting.
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 (a model name)
REST_KNOX = {
    # A token lives API_TOKEN_TTL_HOURS after its last use (sliding), never past API_TOKEN_MAX_DAYS.
    "TOKEN_TTL": datetime.timedelta(hours=envint("API_TOKEN_TTL_HOURS", 72)),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": datetime.timedelta(days=envint("API_TOKEN_MAX_DAYS", 30)),
    # Extend the expiry at most once a minute: no write on every request.
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
# Every login (API token, login page, admin) goes through the brute-force limits.
AUTHENTICATION_BACKENDS = ["backend.login_guard.ThrottledLoginBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "backend" / "static"]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "media"))
# Operations: every file written (certificates, seals, bulk ZIPs) goes through the
# default storage: a local directory, or with STORAGE_BACKEND=s3 an S3-compatible
# store (django-storages) that several app nodes share. Static files are served by
# WhiteNoise, compressed and with hashed names once collected (DEBUG off).
if os.getenv("STORAGE_BACKEND", "local") == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.getenv("S3_BUCKET", ""),
            "endpoint_url": os.getenv("S3_ENDPOINT_URL") or None,
            "region_name": os.getenv("S3_REGION") or None,
            "access_key": os.getenv("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.getenv("S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development (and tests) WhiteNoise serves from the apps' folders as files change.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG
# Collecting is part of every start (scripts/serve.sh): keep only the hashed copies
# (templates name files through {% static %}) and leave source maps uncompressed,
# which halves the Brotli work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

LOGIN_URL = "login"
# "home" sends managers to their workbench and volunteers to their own page.
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "events-page"

# Behind a TLS-terminating reverse proxy in production.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", "False") else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", str(not DEBUG))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Trust X-Forwarded-For only as far as our own proxies: 0 means use the socket address.
NUM_PROXIES = envint("NUM_PROXIES", 0)
# ...and only from these peers (addresses or networks): anyone else reaching the app's port
# directly is the client, whatever headers they send (accounts/client_addresses.py).
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", "127.0.0.1,::1")

REST_FRAMEWORK = {
    # Token first, so an anonymous API call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "accounts.tokens.ApiSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "accounts.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "backend.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PARSER_CLASSES": [
        "backend.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # One throttle for every view: a view (or an action) declares a throttle_scope, the rate is below.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.ScopedThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "register": os.getenv("THROTTLE_REGISTER", "10/hour"),
        "login": os.getenv("THROTTLE_LOGIN", "20/minute"),
        # Per user: a phone scanning in a loop, or a manager's scanner at a large event.
        "checkin": os.getenv("THROTTLE_CHECKIN", "30/minute"),
        "scan": os.getenv("THROTTLE_SCAN", "300/minute"),
        # Per user, offline scanners' uploads (up to OFFLINE_UPLOAD_MAX_SCANS scans each): a phone coming back
        # online retries every few seconds while the network is flaky; uploads are idempotent, so 429 only delays.
        "offline_upload": os.getenv("THROTTLE_OFFLINE_UPLOAD", "30/minute"),
        "export": os.getenv("THROTTLE_EXPORT", "60/hour"),
        # Per user, a JSON page of a report (hour statistics, dashboard drill-down, orders):
        # an API client paging a report; its files (?format=csv|xlsx) count as exports.
        "reports": os.getenv("THROTTLE_REPORTS", "600/hour"),
        "verify": os.getenv("THROTTLE_VERIFY", "30/minute"),
        "appoint_manager": os.getenv("THROTTLE_APPOINT_MANAGER", "20/hour"),
        # Per user, requests that may carry photos (events/photos.py, at most nine each): an
        # event's 30 activity photos sent one by one, twice an hour, with room to spare.
        "photos": os.getenv("THROTTLE_PHOTOS", "100/hour"),
        # Per user, the gift API: offering looks volunteers up by mobile number.
        "points_gift": os.getenv("THROTTLE_POINTS_GIFT", "30/hour"),
        # Per user, venue booking requests on the API and the pages together: each pending booking tells the
        # venue's managers, and the monthly limit counts only bookings that hold a slot, so booking and
        # cancelling in a loop is limited here.
        "venue_booking": os.getenv("THROTTLE_VENUE_BOOKING", "30/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "新时代文明实践志愿服务平台 API",
    "DESCRIPTION": (
        "新时代文明实践中心、所、站的志愿服务平台接口：实践单位、志愿者与队伍、活动与报名、"
        "扫码签到与服务记录、志愿服务证明、统计与导出。\n\n"
        "用令牌（`Authorization: Token …`，由“认证”获取）或登录会话访问；列表分页（`page`、`page_size` 最多 200）。"
        '错误为 400（逐字段说明）、401、403、404、409（`{"code": …, "detail": …}`）和 429。'
    ),
    # Chinese tags per area and a Chinese summary on every operation (backend/api_docs.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.api_docs.chinese_tags_and_summaries",
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs must work on an
    # intranet with no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VolunteerStatusEnum": "volunteers.models.VolunteerStatus",
        "EventStatusEnum": "events.models.EventStatus",
        "SignupStatusEnum": "events.models.SignupStatus",
        "RecordStatusEnum": "events.models.RecordStatus",
        "CertificateValidityEnum": "certificates.models.Validity",
        "CertificateRequestStatusEnum": "certificates.models.RequestStatus",
        "BulkIssueJobStatusEnum": "certificates.models.JobStatus",
        "ServiceCategoryEnum": "events.models.ServiceCategory",
        "OrderStateEnum": "orders.models.OrderState",
        "ScanActionEnum": "events.choices.ScanAction",
        "ChangeActionEnum": "events.choices.ChangeAction",
    },
}

# Operations: one JSON line per record in production (LOG_FORMAT=json, the default
# with DEBUG off), readable text in development; both mask phone and ID numbers.
LOG_FORMAT = os.getenv("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "backend.request_logging.JsonFormatter"},
        "text": {"()": "backend.request_logging.TextFormatter", "format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint logs every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        # Our request lines replace these (gunicorn's access log stays off).
        "django.server": {"level": "WARNING"},
    },
}
# Operations: addresses (or networks) allowed to read /metrics and the details of /readyz.
METRICS_ALLOWED_ADDRESSES = envlist("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")
# Seconds /readyz reuses its storage probe's outcome (a file written and deleted: with S3 a PUT and a DELETE).
READYZ_STORAGE_CHECK_SECONDS = envint("READYZ_STORAGE_CHECK_SECONDS", 10)

# QR check-in: a code's window and how many windows it is accepted for.
CHECKIN_CODE_WINDOW_SECONDS = envint("CHECKIN_CODE_WINDOW_SECONDS", 30)
CHECKIN_CODE_ACCEPTED_WINDOWS = envint("CHECKIN_CODE_ACCEPTED_WINDOWS", 2)
# Offline scanning: personal codes and cards are signed with Ed25519 keys derived from this secret
# (events.offline_codes); set it apart from SECRET_KEY to rotate one without reprinting cards.
CARD_SIGNING_SECRET = os.getenv("CARD_SIGNING_SECRET", "") or SECRET_KEY
# A scanner device's clock may be this far off the server's and its scans are corrected; beyond, reviewed.
OFFLINE_CLOCK_BOUND_SECONDS = envint("OFFLINE_CLOCK_BOUND_SECONDS", 600)
# The most scans one upload may carry; a device sends a longer queue in several uploads.
OFFLINE_UPLOAD_MAX_SCANS = envint("OFFLINE_UPLOAD_MAX_SCANS", 1000)
# An offline scan uploaded this many hours after its time is the device's word alone (it sets its own clock):
# the record it shapes waits for approval by someone other than its scanner, as a manual record does.
OFFLINE_LATE_UPLOAD_HOURS = envint("OFFLINE_LATE_UPLOAD_HOURS", 24)
# Star levels (星级) by approved lifetime hours: 1 to 5 stars.
STAR_THRESHOLDS_HOURS = [int(h) for h in envlist("STAR_THRESHOLDS_HOURS", "100,300,600,1000,1500")]
# Statistics: the annual service hours a volunteer is expected to reach (summary endpoint).
ANNUAL_HOURS_TARGET = envint("ANNUAL_HOURS_TARGET", 25)
# Activity records (活动纪实): an event is documented once it has a summary and this many photos.
ACTIVITY_MIN_PHOTOS = envint("ACTIVITY_MIN_PHOTOS", 3)
# Service orders (点单): days after completion in which the resident may rate; unrated orders then close as unrated.
ORDER_RATING_WINDOW_DAYS = envint("ORDER_RATING_WINDOW_DAYS", 7)
# Assessment dashboard (reports/dashboard/indicators.py): a station counts as active with this many events in a month.
ACTIVE_STATION_MIN_EVENTS = envint("ACTIVE_STATION_MIN_EVENTS", 1)
# Its traffic lights. Shares in percent; green from "green", amber from "amber", red below. Lower is better
# for overdue_records (a count) and zero_hour_units (percent of stations): there the bounds are maxima.
# Registered volunteers at 13% of residents is the 全国文明城市测评体系 bar; hours_per_volunteer (hours a
# year) and volunteers_reaching_target accumulate over the year and are compared pro rata to the day.
# The rest are starting points a county tunes to its own assessment plan.
DASHBOARD_THRESHOLDS = {
    "active_stations": {"green": 100, "amber": 80},
    "documented_events": {"green": 90, "amber": 60},
    "registered_volunteers": {"green": 13, "amber": 10},
    "active_volunteers": {"green": 50, "amber": 30},
    "hours_per_volunteer": {"green": 10, "amber": 5},
    "volunteers_reaching_target": {"green": 30, "amber": 10},
    "overdue_records": {"green": 0, "amber": 10},
    "zero_hour_units": {"green": 0, "amber": 10},
    "overdue_orders": {"green": 0, "amber": 3},
    "order_completion": {"green": 90, "amber": 70},
    # Mean stars (1-5) of residents' ratings.
    "order_satisfaction": {"green": 4.5, "amber": 4},
    # Percent of bookable venues used in the month (an approved booking or an event held there).
    "venue_use": {"green": 80, "amber": 50},
}
# Self-assessment (reports/assessment/indicators.py): per indicator key, bounds that replace the built-in
# targets, e.g. {"venue-hours": {"green": 30, "amber": 10, "per_month": true}}.
ASSESSMENT_TARGETS = envjson("ASSESSMENT_TARGETS", "{}")
# PostgreSQL work_mem for export queries: grouping a million records in memory, not on disk.
STATS_WORK_MEM = os.getenv("STATS_WORK_MEM", "64MB")

# Background work (bulk certificates): a database-backed queue by default, so the
# embedded set-up needs no broker; run `manage.py db_worker`. Production may point
# TASKS_BACKEND at another backend of the tasks API, e.g. django_tasks_rq.RQBackend.
# Operations: with REDIS_URL set the default is RQ on Redis (run `manage.py rqworker
# --job-class django_tasks_rq.Job`); scripts/serve.sh starts the matching worker.
TASKS_BACKEND = os.getenv(
    "TASKS_BACKEND", "django_tasks_rq.RQBackend" if REDIS_URL else "django_tasks_db.DatabaseBackend"
)
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS.append("django_rq")
    # A bulk job may run for long: RQ's default timeout of 180 s would kill it.
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}}
# Certificates (志愿服务证明): certificates laid out together per batch in bulk jobs.
CERTIFICATE_BATCH_SIZE = envint("CERTIFICATE_BATCH_SIZE", 25)

# Largest request body accepted (bytes); a unit's seal image is the largest upload.
MAX_REQUEST_BODY_BYTES = envint("MAX_REQUEST_BODY_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# ...except photo forms (backend/request_limits.py PHOTO_UPLOADS): a 5 MB photo (the per-photo limit) and the form.
PHOTO_REQUEST_BODY_BYTES = envint("PHOTO_REQUEST_BODY_BYTES", 12 * 1024 * 1024)

# Brute-force limits of the logins (accounts/login_limits.py): wrong passwords per number and
# client address before that address is locked out of the number, and per number from all
# addresses together before it is locked for everyone (until LOGIN_LOCK_SECONDS pass or an admin unlocks).
LOGIN_FAILURES_ALLOWED = envint("LOGIN_FAILURES_ALLOWED", 10)
LOGIN_FAILURES_PER_PHONE = envint("LOGIN_FAILURES_PER_PHONE", 100)
LOGIN_LOCK_SECONDS = envint("LOGIN_LOCK_SECONDS", 15 * 60)
LOGIN_ATTEMPTS_PER_IP = envint("LOGIN_ATTEMPTS_PER_IP", 30)

# Points (积分): records whose points settle in the approving request itself; a larger batch
# goes to the task worker. The fraud watch (points/watch.py, `manage.py watch_points` from cron)
# raises an alert when a volunteer earns more than this many points within 24 hours, or a shop
# hands over more than this many redemptions within an hour.
POINTS_SETTLE_INLINE = envint("POINTS_SETTLE_INLINE", 50)
POINTS_ALERT_POINTS_PER_DAY = envint("POINTS_ALERT_POINTS_PER_DAY", 200)
POINTS_ALERT_REDEMPTIONS_PER_HOUR = envint("POINTS_ALERT_REDEMPTIONS_PER_HOUR", 20)

# Notifications (notifications/): one backend per channel beyond the in-app inbox, chosen as
# django.core.mail chooses its backend. The embedded default prints messages (console) and sends
# nothing anywhere; docs/features.md "Notifications" says how to connect SMS, WeChat and email.
NOTIFY_BACKENDS = {
    "sms": os.getenv("NOTIFY_SMS_BACKEND", "notifications.backends.console.ConsoleBackend"),
    "wechat": os.getenv("NOTIFY_WECHAT_BACKEND", "notifications.backends.console.ConsoleBackend"),
    "email": os.getenv("NOTIFY_EMAIL_BACKEND", "notifications.backends.console.ConsoleBackend"),
}
# Quiet hours (local time): nothing but urgent changes goes out from the start hour to the end hour.
NOTIFY_QUIET_START_HOUR = envint("NOTIFY_QUIET_START_HOUR", 21)
NOTIFY_QUIET_END_HOUR = envint("NOTIFY_QUIET_END_HOUR", 8)
if not (0 <= NOTIFY_QUIET_START_HOUR <= 23 and 0 <= NOTIFY_QUIET_END_HOUR <= 23):
    raise ImproperlyConfigured("NOTIFY_QUIET_START_HOUR and NOTIFY_QUIET_END_HOUR are hours of the day, 0 to 23")
# Messages per person per day on each channel beyond the inbox (urgent ones are not counted out).
NOTIFY_DAILY_CAP = envint("NOTIFY_DAILY_CAP", 5)
# How long before an event its reminder goes out.
NOTIFY_REMINDER_LEAD_HOURS = envint("NOTIFY_REMINDER_LEAD_HOURS", 24)
# A message claimed by a sender that crashed is tried again after this long.
NOTIFY_SENDING_STALE_SECONDS = envint("NOTIFY_SENDING_STALE_SECONDS", 600)
# Delivery (notifications/delivery.py): a failed send is tried again after these many minutes
# (one entry per retry); after the last it stays failed with the provider's reason.
NOTIFY_RETRY_MINUTES = [int(minutes) for minutes in envlist("NOTIFY_RETRY_MINUTES", "1,5,30,120,720")]
# Rows claimed per round of the delivery job (bounded memory; each round is one short transaction).
NOTIFY_BATCH_SIZE = envint("NOTIFY_BATCH_SIZE", 100)
# Seconds a provider's HTTP API may take to answer before the send counts as failed (and is retried).
NOTIFY_HTTP_TIMEOUT = envint("NOTIFY_HTTP_TIMEOUT", 10)
# SMS through Aliyun Dysmsapi (notifications.backends.sms.AliyunSmsBackend). Only 通知 (notification)
# templates approved in the console; the templates map a kind to its TemplateCode, e.g.
# {"promoted": "SMS_123", "event_cancelled_urgent": "SMS_456"}; a kind without one is skipped.
NOTIFY_SMS_ENDPOINT = os.getenv("NOTIFY_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
NOTIFY_SMS_ACCESS_KEY_ID = os.getenv("NOTIFY_SMS_ACCESS_KEY_ID", "")
NOTIFY_SMS_ACCESS_KEY_SECRET = os.getenv("NOTIFY_SMS_ACCESS_KEY_SECRET", "")
NOTIFY_SMS_SIGN_NAME = os.getenv("NOTIFY_SMS_SIGN_NAME", "")
NOTIFY_SMS_TEMPLATES = envjson("NOTIFY_SMS_TEMPLATES", "{}")
# WeChat subscription messages of the mini program (notifications.backends.wechat.WechatBackend).
# The templates map a kind to its template and which message variable fills each of its fields, e.g.
# {"reminder": {"id": "TEMPLATE_ID", "data": {"thing1": "title", "time2": "time"}}}. The page opened
# from the message: "{link}" stands for the message's link (URL-encoded); empty opens no page.
NOTIFY_WECHAT_API_BASE = os.getenv("NOTIFY_WECHAT_API_BASE", "https://api.weixin.qq.com")
NOTIFY_WECHAT_APPID = os.getenv("NOTIFY_WECHAT_APPID", "")
NOTIFY_WECHAT_SECRET = os.getenv("NOTIFY_WECHAT_SECRET", "")
NOTIFY_WECHAT_TEMPLATES = envjson("NOTIFY_WECHAT_TEMPLATES", "{}")
NOTIFY_WECHAT_PAGE = os.getenv("NOTIFY_WECHAT_PAGE", "")
# formal, trial or developer: which version of the mini program the message opens.
NOTIFY_WECHAT_MINIPROGRAM_STATE = os.getenv("NOTIFY_WECHAT_MINIPROGRAM_STATE", "formal")
# Email (notifications.backends.email.EmailBackend sends through django.core.mail): the SMTP server.
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "false")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false") and not EMAIL_USE_SSL
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# Recurring events: occurrences are materialised this many weeks ahead by the daily job.
SERIES_HORIZON_WEEKS = envint("SERIES_HORIZON_WEEKS", 8)
# A volunteer promoted from the waitlist has this long (at most until the start) to confirm the place.
SIGNUP_CONFIRM_HOURS = envint("SIGNUP_CONFIRM_HOURS", 12)
