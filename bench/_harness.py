"""What every benchmark shares: the machine's load around a run and the output switch."""

from __future__ import annotations

import json
import os
import sys
from typing import Callable


def loadavg() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def run_and_report(name: str, measure: Callable[[], dict], print_table: Callable[[dict], None],
                   as_json: bool) -> int:
    """Run ``measure`` (its dict goes into the result), note the 1-minute load average before
    and after (the machine may be shared), and print a table or one JSON object."""
    before = loadavg()
    res = {"benchmark": name, "python": sys.version.split()[0], "cpus": os.cpu_count(), **measure()}
    res["loadavg_1min"] = {"before": before, "after": loadavg()}
    if as_json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
    else:
        print_table(res)
    return 0
