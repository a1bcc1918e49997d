"""Django settings of the platform, from the environment :mod:`reportkit.platform.serve` sets.

``REPORTKIT_DATA``      the data folder (SQLite database, secret key, uploads, rendered sets)
``REPORTKIT_DATABASE``  a database URL: empty for SQLite in the data folder, or
                        ``postgresql://user:pass@host:port/db`` (any libpq URL or conninfo)
``REPORTKIT_SECURE_COOKIES``  ``1`` behind an HTTPS reverse proxy: cookies only over HTTPS
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import database_settings, read_secret_key

DATA_DIR = Path(os.environ.get("REPORTKIT_DATA") or "reportkit-data").resolve()
SECRET_KEY = read_secret_key(DATA_DIR)
DEBUG = os.environ.get("REPORTKIT_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]  # an intranet server reached by its address; the Host header is not trusted for links

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "reportkit.platform.apps.PlatformConfig",
    "reportkit.platform.workflow.apps.WorkflowConfig",  # issue 17: submit, review, publish
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reportkit.platform.middleware.ContentSecurityPolicy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "reportkit.platform.urls"
WSGI_APPLICATION = "reportkit.platform.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": database_settings(os.environ.get("REPORTKIT_DATABASE", ""), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True  # every script and style ships in the package: no collectstatic, no CDN
WHITENOISE_AUTOREFRESH = False

# security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if os.environ.get("REPORTKIT_SECURE_COOKIES") == "1":
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: login throttling: this many failures of one user name from one address within the window
LOGIN_FAILURES_MAX = int(os.environ.get("REPORTKIT_LOGIN_FAILURES_MAX", "5"))
LOGIN_FAILURE_WINDOW = 15 * 60

# uploads: a published report or a form is a few MB at most
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # a form page post (text fields), not a file
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# the task queue: django-q2 with the ORM broker (SQLite and PostgreSQL alike), one worker
Q_CLUSTER = {
    "name": "reportkit",
    "orm": "default",
    "workers": int(os.environ.get("REPORTKIT_WORKERS", "1")),
    "timeout": 600,
    "retry": 660,
    "max_attempts": 1,
    "poll": 0.5,
    "catch_up": False,
    "save_limit": 500,
    "label": "后台任务",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
