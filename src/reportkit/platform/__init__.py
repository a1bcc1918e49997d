"""``reportkit serve``: a region's 填报 platform (Django), built on reportkit's public API.

The library core never imports this package; this package imports the library: ``reportkit.load``,
``validate``, ``render``, ``import_report``, the official layout (:mod:`reportkit.layout`,
:mod:`reportkit.form.fields`) and the carry-over rules (:func:`reportkit.skeleton.skeleton`).

Modules, as in Django's own apps: ``settings`` (configured from the environment that
:mod:`.serve` sets), ``models`` (regions, units, memberships, reports, immutable versions, audit
events, render jobs, login failures), ``access`` (who may see and edit what), ``formpage`` (the
official tables as a web form and back), ``views``, ``tasks`` (background rendering through
django-q2), ``serve`` (migrations, first administrator, worker, waitress).
"""
