"""The background worker started by ``reportkit serve``: django-q2's cluster (ORM broker), stopped
when the server stops it (SIGTERM) — or when the server dies: the worker watches its parent and
stops with it."""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
    import django

    django.setup()
    from django_q.cluster import Cluster

    cluster = Cluster()  # installs its own SIGTERM/SIGINT handlers, which stop it
    cluster.start()
    while cluster.stop_event is not None and cluster.sentinel.is_alive():
        if os.getppid() != parent:  # the server is gone (killed): do not linger
            cluster.stop()
            break
        time.sleep(0.5)


if __name__ == "__main__":
    main()
