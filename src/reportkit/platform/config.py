"""What the settings read from the data folder and the database URL (no Django imports here)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret_key"
SQLITE_FILE = "reportkit.sqlite3"


class ConfigError(Exception):
    """A setting the office gave that cannot be used, said in Chinese."""


def read_secret_key(data_dir: Path) -> str:
    """The data folder's secret key, generated once (mode 0600) on first start."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def database_settings(url: str, data_dir: Path) -> dict:
    """Django's ``DATABASES['default']`` for ``url``: SQLite in the data folder (WAL mode) when
    empty, PostgreSQL for a ``postgresql://`` / ``postgres://`` URL or a libpq conninfo string."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / SQLITE_FILE),
            "OPTIONS": {
                # WAL: readers never wait for the writer; IMMEDIATE: a write transaction takes the
                # lock at its start, so two saves queue up instead of failing half-way
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    if url.startswith(("sqlite:", "mysql:")):
        raise ConfigError(f"不支持的数据库地址“{url.split(':')[0]}:…”：不写 --database 即使用数据文件夹中的 SQLite，"
                          "或写 postgresql://用户:密码@主机:端口/数据库")
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # pragma: no cover - psycopg is in the platform extra
        raise ConfigError("使用 PostgreSQL 需要 psycopg：pip install 'reportkit[platform]'") from None
    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: the URL itself is malformed
        raise ConfigError(f"数据库地址无法解析：{exc}") from None
    out = {"ENGINE": "django.db.backends.postgresql", "NAME": params.pop("dbname", "") or "",
           "USER": params.pop("user", "") or "", "PASSWORD": params.pop("password", "") or "",
           "HOST": params.pop("host", "") or "", "PORT": params.pop("port", "") or "",
           "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True, "OPTIONS": params}
    if not out["NAME"]:
        raise ConfigError("数据库地址中缺少数据库名，例如 postgresql://reportkit@localhost/reportkit")
    return out
