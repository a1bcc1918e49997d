"""``reportkit serve``: a region's 填报 platform (Django), built on reportkit's public API.

The library core never imports this package; this package imports the library: ``reportkit.load``,
``validate``, ``render``, ``import_report``, the official layout (:mod:`reportkit.contract.tables`,
:mod:`reportkit.form.fields`) and the carry-over rules (:func:`reportkit.contract.skeleton.skeleton`).

Modules, as in Django's own apps: ``settings`` (configured from the environment that
:mod:`.serve` sets), ``models`` (regions, units, memberships, reports, immutable versions, audit
events, render jobs, login failures), ``access`` (who may see and edit what), ``formpage`` (the
official tables as a web form and back), ``views``, ``tasks`` (background rendering through
django-q2), ``serve`` (migrations, first administrator, worker, waitress).

Building on it (the office's workflow, issue 17):

* **States**: :class:`~.models.Report.State` already lists 草稿/已提交/退回修改/已通过/已发布;
  ``Report.EDITABLE`` says in which the unit may save (``versions.save_version`` raises
  ``NotEditable`` otherwise, and the form page turns read-only).  A transition is a change of
  ``Report.state`` plus an :func:`.audit.record` event (``report.submit`` …) with its reason in
  the details; keep the data itself in versions (never edit a ``ReportVersion``).
* **Scope**: :func:`.access.report_for` / ``unit_for`` / ``job_for`` answer 404 outside the
  account's scope; ``access.reports(user)`` and ``access.units(user)`` are the querysets for
  lists (a reviewer's region subtree included).  Reviewers see, clerks edit their units.
* **Findings at their place**: :func:`.formpage.anchor_of` maps a JSON path to the page's input
  (``requests.received.natural``, ``overview.sections.2.text``); a reviewer's comment on a cell
  can be anchored the same way and shown in the ``ul.at`` list under that input.
* **Tests**: ``tests/platform/conftest.py`` starts ``reportkit serve`` on SQLite and PostgreSQL
  (``server`` fixture, ``new_report``, ``Client``); ``seed.py`` makes the region tree, units,
  clerks and reviewers.
"""
