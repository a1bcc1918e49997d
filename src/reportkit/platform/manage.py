"""Django's manage.py for the platform: ``python -m reportkit.platform.manage <command>``, with
``REPORTKIT_DATA`` / ``REPORTKIT_DATABASE`` set as for ``reportkit serve`` (createsuperuser,
changepassword, dbshell, dumpdata for a backup, showmigrations …)."""

import os
import sys


def main(argv=None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportkit.platform.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["reportkit-platform", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
