"""Which report year the platform opens on: the one being filed now.

A year's report is written in its December and published by 31 January of the next year
(本级政府 by 31 March, 《条例》第四十九条).  So in December the season is this year's; from
January to November it is last year's (in November last year's reports are long published and
this year's are not yet begun; offices change the year field when they start early)."""

from __future__ import annotations

import datetime as dt


def filing_year(today: dt.date) -> int:
    """The report year whose filing season ``today`` falls in."""
    return today.year if today.month == 12 else today.year - 1
