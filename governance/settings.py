"""Settings for the Grid Governance Portal.

Every value that differs between a laptop demo, CI and production is read from the
environment through the small helpers below, so this one file reads top to bottom.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Files the portal writes without a server: the SQLite database, Celery's file broker. Nothing
# here creates it: bin/demo does, the only setup that uses it (importing settings has no
# side effects on the disk).
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")


# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or (
    "insecure-development-key-only-for-demo-and-tests-0123456789" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")

# Sensitive fields (ID numbers): SM4 keys by id, the one new values use, and the blind-index
# key; see governance/sensitive.py (format, rotation). Fixed keys for development and tests
# only: with DEBUG off each must be given, like SECRET_KEY.
SENSITIVE_DATA_KEYS = env_str("SENSITIVE_DATA_KEYS") or (
    "dev:000102030405060708090a0b0c0d0e0f" if DEBUG else ""
)
SENSITIVE_DATA_KEY_ID = env_str("SENSITIVE_DATA_KEY_ID") or ("dev" if DEBUG else "")
SENSITIVE_INDEX_KEY = env_str("SENSITIVE_INDEX_KEY") or (
    "101112131415161718191a1b1c1d1e1f" if DEBUG else ""
)
for _name in ("SENSITIVE_DATA_KEYS", "SENSITIVE_DATA_KEY_ID", "SENSITIVE_INDEX_KEY"):
    if not globals()[_name]:
        raise RuntimeError(f"{_name} must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DJANGO_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_htmx",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "rules",
]
LOCAL_APPS = [
    "governance",
    "grid",
    "population",
    "disputes",
    "patrols",
    "campaigns",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.headers.ApiGZipMiddleware",  # API answers only: see there for BREACH
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads input (CSRF, sessions, auth, views): refuse NUL characters once.
    "governance.middleware.NulCharacterRefusalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.headers.PortalHeadersMiddleware",  # below WhiteNoise: static files keep theirs
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "governance.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes must be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
AUTH_USER_MODEL = "governance.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.portal",
            ],
        },
    },
]

# Messages live in the server-side session, not a cookie: one carries a new API token once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Widgets render from templates/ too (grid/widgets/boundary_map.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database and cache -----------------------------------------------------------------

# No DATABASE_URL: an embedded SQLite file in VAR_DIR, so the demo needs no server.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web, worker and beat share one file: take the write lock when a transaction
    # begins and wait for it, instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Security and login protection (等保 2.0 level 3 practice) -------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "governance.validators.CharacterClassValidator"},
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
# Accounts, not addresses, are locked: offices share one NAT address, and one user's typos
# must not lock the whole office out (hence axes.W006 is silenced below).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "governance.lockout.lockout_response"  # the template, with Retry-After
AXES_CLIENT_IP_CALLABLE = "governance.lockout.client_address"  # behind the proxy: NUM_PROXIES
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age above then counts from the last request: idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# TOTP second factor for these roles; the demo may switch it off and says so on its login page.
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "admin,leader")
OTP_TOTP_ISSUER = "网格化社会治理平台"

# Trust X-Forwarded-Proto only behind a TLS proxy that sets it (and strips it from clients).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", True)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the portal append to X-Forwarded-For. A client may write any
# X-Forwarded-For it likes; only the entries our own proxies appended name a real address, so
# the throttles count by the one the outermost proxy saw (0: the socket's address).
NUM_PROXIES = env_int("NUM_PROXIES", 1 if BEHIND_TLS_PROXY else 0)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The language cookie says nothing secret, but over plain HTTP it could be set by anyone on
# the path; no script reads it.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Tiles come from a setting: no tile server is reachable offline, so by default the maps
# draw boundaries on a plain background. Set MAP_TILES_URL to a reachable tile server.
MAP_TILES_URL = env_str("MAP_TILES_URL")  # e.g. an intranet tile server's .../{z}/{x}/{y}.png
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (30.27, 120.15),
    "DEFAULT_ZOOM": 12,
    "TILES": [(_("Map"), MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})]
    if MAP_TILES_URL
    else [],
    "RESET_VIEW": False,
}

# --- Content security -----------------------------------------------------------------------

# Everything the pages load is vendored and served by the portal itself; no inline script or
# style (data for scripts comes in json_script blocks and data- attributes, which do not run).
# Map tiles are the one outside source, when a tile server is set; its {s} subdomains become *.
_tiles = urlsplit(MAP_TILES_URL.replace("{s}", "*")) if MAP_TILES_URL else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([f"{_tiles.scheme}://{_tiles.netloc}"] if _tiles else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- E-mail ---------------------------------------------------------------------------------

# The demo prints mail to the console; a real portal sends it (SMTP unless told otherwise).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # a hung server must not hold a worker
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Where the portal is reached from outside: e-mails link to notices with it.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@grid.gov.local")

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "governance.api_base.IsPortalUser",
        "governance.api_base.RulesPermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "governance.api_base.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["governance.api_filters.PortalFilterBackend"],
    # The API takes JSON only: forms and multipart are for pages (a later upload names its own).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "governance.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "governance.api_errors.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grid Governance Portal API",
    "DESCRIPTION": "网格化社会治理平台接口。Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set that several fields share (a resident's status, an event's).
    "ENUM_NAME_OVERRIDES": {
        "ResidentStatusEnum": "population.models.ResidentStatus",
        "ResidentEventKindEnum": "population.models.EventKind",
        "OrganisationKindEnum": "population.models.OrganisationKind",
        "SpecialGroupEventKindEnum": "population.models.SpecialGroupEventKind",
        "SpecialGroupCareKindEnum": "population.models.CareKind",
        "ResidentDriveKindEnum": "population.models.DriveKind",
        "DriveCheckOutcomeEnum": "population.models.CheckOutcome",
        "HouseholdKindEnum": "population.models.HouseholdKind",
        "HouseholdEventKindEnum": "population.models.HouseholdEventKind",
        "ResidentImportStatusEnum": "population.models.ImportStatus",
        "RiskMatterKindEnum": "disputes.models.RiskMatterKind",
        "RiskLevelEnum": "disputes.models.RiskLevel",
        "AreaLevelEnum": "grid.models.AreaLevel",
        "ScreeningItemKindEnum": "disputes.models.ScreeningItemKind",
        "ScreeningCadenceEnum": "disputes.models.ScreeningCadence",
        "ScreeningStateEnum": "disputes.models.ScreeningState",
        "CaseStateEnum": "disputes.models.CaseState",
        "CaseSourceEnum": "disputes.models.CaseSource",
        "CaseRegistrationSourceEnum": "disputes.models.REGISTRATION_SOURCE_CHOICES",
        "CaseOutcomeEnum": "disputes.models.Outcome",
        "CaseFailedOutcomeEnum": "disputes.models.FAILED_OUTCOME_CHOICES",
        # --- Internal security bodies (P13) ---
        "SecurityBodyKindEnum": "population.models.SecurityBodyKind",
        "HandoffKindEnum": "disputes.models.HandoffKind",
        "MediationKindEnum": "disputes.models.MediationKind",
        "MediatorKindEnum": "disputes.models.MediatorKind",
        "MediationOrganisationKindEnum": "disputes.models.MediationOrganisationKind",
        "ReceptionBookingStatusEnum": "disputes.models.BookingStatus",
        "MeetingKindEnum": "disputes.models.MeetingKind",
        "RentalIncidentKindEnum": "population.models.RentalIncidentKind",
        "AccountablePersonEnum": "population.models.AccountablePerson",
    },
}
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)
POINT_LOOKUP_BATCH_LIMIT = env_int("POINT_LOOKUP_BATCH_LIMIT", 10000)

# --- Celery -------------------------------------------------------------------------------------

# No REDIS_URL: kombu's filesystem transport, so the demo's worker and beat need no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":  # its folders: see VAR_DIR
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # else ./control in the checkout
        "store_processed": False,
    }
else:
    # Longer than the hard time limit, so an unacked task is redelivered only after its
    # worker is surely gone.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Later apps add their periodic tasks here; beat copies them into the editable DB schedule.
CELERY_BEAT_SCHEDULE = {
    "notification-emails-pending": {
        "task": "governance.tasks.send_pending_notification_emails",
        "schedule": crontab(minute="*/10"),
    },
    "sessions-clear-expired-daily": {
        "task": "governance.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "area-tree-integrity-nightly": {
        "task": "grid.tasks.check_area_tree",
        "schedule": crontab(hour=2, minute=30),
    },
    "special-group-reminders-hourly": {
        "task": "population.tasks.send_special_group_reminders",
        "schedule": crontab(minute=5),
    },
    "special-group-exports-expire-hourly": {
        "task": "population.tasks.expire_special_group_exports",
        "schedule": crontab(minute=35),
    },
    "document-expiry-reminders-daily": {
        "task": "population.tasks.send_document_expiry_reminders",
        "schedule": crontab(hour=7, minute=20),
    },
    "calendar-years-missing-daily": {
        "task": "disputes.tasks.warn_missing_calendar_years",
        "schedule": crontab(hour=7, minute=40),
    },
    # Yellow and red cards and escalations are due at any minute of a working day.
    "case-deadlines-scan": {
        "task": "disputes.tasks.scan_case_deadlines",
        "schedule": crontab(minute="*/5"),
    },
    # The two screenings (D2, D3): open the periods just after midnight (and hourly, so a
    # unit added during the day gets its report), remind and list late units in the morning.
    "screening-periods-open": {
        "task": "disputes.screening_tasks.open_screening_periods",
        "schedule": crontab(minute=1),
    },
    "screening-reminders-daily": {
        "task": "disputes.screening_tasks.send_screening_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "screening-late-daily": {
        "task": "disputes.screening_tasks.list_late_screenings",
        "schedule": crontab(hour=8, minute=10),
    },
    "screening-hotspots-daily": {
        "task": "disputes.screening_tasks.scan_screening_hotspots",
        "schedule": crontab(hour=0, minute=30),
    },
}

# --- Portal ---------------------------------------------------------------------------------

# How often (seconds) a process checks whether another process changed grid boundaries.
GRID_INDEX_CHECK_SECONDS = env_float("GRID_INDEX_CHECK_SECONDS", 1)
# A process that finds new boundaries keeps answering from its index while it builds the new
# one in a thread (grid.index): no request waits for the rebuild.
GRID_INDEX_REBUILD_IN_BACKGROUND = env_bool("GRID_INDEX_REBUILD_IN_BACKGROUND", True)
DEMO_MODE = env_bool("DEMO_MODE", False)
# How many days before a floating person's residence permit (居住证, P3) or a foreign
# national's visa or stay (P10) expires the grid's workers are reminded. The seeds ask for a
# reminder before expiry and fix no lead time: this one is ours.
DOCUMENT_EXPIRY_REMINDER_DAYS = env_int("DOCUMENT_EXPIRY_REMINDER_DAYS", 30)
# How long an approved special-group ledger export (P24, issue 7) may be downloaded before it
# expires. No seed fixes a period: this one is ours (long enough for the next working day).
SPECIAL_GROUP_EXPORT_HOURS = env_int("SPECIAL_GROUP_EXPORT_HOURS", 24)
# The organisation size rule (P12, seed 004): an enterprise or 两新 organisation with at least
# this many employees keeps an internal security body (治安综合治理工作站, 保卫…), a smaller
# one names a liaison (综治联络员). The seeds say "规模较小" and fix no number: this one is ours.
ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES = env_int("ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES", 100)

# The two screenings (两个排查, D1-D3): the cadence of each reporter class. Seed 004 has
# communities and villages, reporting enterprises and a street's departments report to the
# street every half month, each street (and the district's departments) to the district
# every month; seed 000 screens monthly. SCREENING_CADENCES_BY_DISTRICT overrides it for a
# district, by the district's code: {"330106": {"community": "monthly"}}; "" stops a class
# from reporting. Classes: community, street, street_department, district_department,
# enterprise. Cadences: half_monthly, monthly.
SCREENING_CADENCES = {
    "community": "half_monthly",
    "enterprise": "half_monthly",
    "street_department": "half_monthly",
    "street": "monthly",
    "district_department": "monthly",
}
SCREENING_CADENCES_BY_DISTRICT: dict[str, dict[str, str]] = {}
# The due day: working days after a period's last day. No seed fixes a due day: this is ours.
SCREENING_DUE_WORKING_DAYS = env_int("SCREENING_DUE_WORKING_DAYS", 3)
# The reporter is reminded this many days before the due day (ours; no seed fixes it).
SCREENING_REMINDER_DAYS = env_int("SCREENING_REMINDER_DAYS", 2)
# 滚动排查 (D6): a community with at least SCREENING_HOTSPOT_ITEMS items screened in the last
# SCREENING_HOTSPOT_PERIODS half-month periods is flagged automatically (ours: the seed names
# 多发、重发 and no number); its units then also report weekly.
SCREENING_HOTSPOT_PERIODS = env_int("SCREENING_HOTSPOT_PERIODS", 2)
SCREENING_HOTSPOT_ITEMS = env_int("SCREENING_HOTSPOT_ITEMS", 5)

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_MASK_CALLABLE = "governance.audit.mask_entirely"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
