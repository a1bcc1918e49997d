"""The supervising office's workflow on the platform (issue 17), its own Django app (label
``workflow``) beside :mod:`reportkit.platform`:

* ``states``    — the state machine of a unit's report: 草稿 → 已提交 → 退回修改 ⇄ 已提交 → 已通过
  (locked) → 已发布, plus 撤回 and 重新打开; every transition checks role and region scope and
  is a :class:`~.models.StateChange` and an audit event with its reason;
* ``models``    — state changes, reviewer comments (at a JSON path) and replies, publications,
  review runs;
* ``dashboard`` — the office's list of every unit of a region and year, in a fixed number of
  queries whatever the number of units;
* ``views``     — the report page's workflow panel, comments, comparison of versions, the
  dashboard, bulk actions, the region's review, publishing, roll-up, exports.
"""
