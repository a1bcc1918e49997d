"""``reportkit serve``: migrations, the first administrator, the background worker, waitress.

Everything the platform keeps is in the data folder (``--data``): the SQLite database (unless
``--database`` names a PostgreSQL server), the secret key, and the rendered filing sets under
``renders/``.  The worker is django-q2's cluster in a child process (:mod:`.worker`), stopped
with the server.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

# the platform extra: an ImportError here is what `reportkit serve` reports as a missing install
import django  # noqa: F401
import django_q  # noqa: F401
import waitress  # noqa: F401
import whitenoise  # noqa: F401


class ServeError(Exception):
    """Something the office has to fix before the platform can start; said in Chinese."""


def configure(data: Path, database: str | None, *, secure_cookies: bool = False) -> dict:
    """Set the environment the settings read, and set Django up; returns that environment."""
    data = data.resolve()
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServeError(f"无法创建数据文件夹 {data}：{exc.strerror or exc}") from None
    env = {"DJANGO_SETTINGS_MODULE": "reportkit.platform.settings", "REPORTKIT_DATA": str(data),
           "REPORTKIT_DATABASE": database or "", "REPORTKIT_SECURE_COOKIES": "1" if secure_cookies else "0"}
    os.environ.update(env)
    from .config import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        raise ServeError(str(exc)) from None
    return env


def migrate() -> None:
    from django.core.management import call_command
    from django.db.utils import OperationalError

    try:
        call_command("migrate", interactive=False, verbosity=0)
    except OperationalError as exc:
        raise ServeError(f"无法连接或更新数据库：{exc}".strip()) from None


def ensure_admin(username: str | None, password_file: Path | None) -> str | None:
    """Create the first administrator when there is none: from the options, or asked at the
    terminal.  Returns the name created, or None when one existed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import ValidationError, validate_password

    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists():
        return None
    password = None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise ServeError(f"无法读取 --admin-password-file {password_file}：{exc.strerror or exc}") from None
    if username is None or password is None:
        if not sys.stdin.isatty():
            raise ServeError("首次启动需要创建管理员账号：请用 --admin-user 名称 --admin-password-file 文件 给出，"
                             "或在终端中运行以便输入")
        print("首次启动：创建管理员账号。")
        username = username or input("管理员账号：").strip()
        while password is None:
            first = getpass.getpass("密码：")
            if first != getpass.getpass("再次输入密码："):
                print("两次输入的密码不一致，请重新输入。")
                continue
            password = first
    if not username:
        raise ServeError("管理员账号不能为空")
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        raise ServeError("管理员密码不符合要求：" + "；".join(exc.messages)) from None
    from .audit import record

    user = User.objects.create_superuser(username=username, password=password, email="")
    record(None, "admin.create", user, user=user)
    return username


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reportkit.platform.worker", str(os.getpid())],
                            env={**os.environ, **env})


def run(*, data: Path, database: str | None, host: str, port: int, admin_user: str | None,
        admin_password_file: Path | None, threads: int = 8, secure_cookies: bool = False) -> None:
    # the URL may come from the environment, so that a password is not shown in the process list
    database = database or os.environ.get("REPORTKIT_DATABASE") or None
    env = configure(data, database, secure_cookies=secure_cookies)
    migrate()
    created = ensure_admin(admin_user, admin_password_file)
    if created:
        print(f"已创建管理员账号 {created}。")
    from waitress import create_server

    from .wsgi import application

    try:
        server = create_server(application, host=host, port=port, threads=threads, ident="reportkit",
                               clear_untrusted_proxy_headers=True, max_request_body_size=64 * 1024 * 1024)
    except OSError as exc:
        raise ServeError(f"无法在 {host}:{port} 上启动：{exc.strerror or exc}（端口被占用？请换一个 --port）") from None
    worker = start_worker(env)
    where = "PostgreSQL" if database else f"SQLite（{Path(env['REPORTKIT_DATA']) / 'reportkit.sqlite3'}）"
    print(f"reportkit 填报平台已启动：http://{host}:{server.effective_port}/　数据：{where}　"
          f"数据文件夹：{env['REPORTKIT_DATA']}　按 Ctrl-C 停止。", flush=True)
    try:
        server.run()  # until Ctrl-C or SIGTERM (the CLI turns both into an exception)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        print("reportkit 填报平台已停止。", flush=True)
