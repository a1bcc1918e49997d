"""Chaos: a batch of valid, invalid and hostile reports, killed (SIGKILL and SIGTERM) and
restarted at random points.  Afterwards every output folder is a complete set whose manifest
hashes match its files, or absent; no process is left; no staging folder is left.  Between
the kills a reader's rule holds for every folder: a manifest present means a complete set.

The seed is printed on failure (``REPORTKIT_CHAOS_SEED`` replays a run)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path


from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .processes import complete_set, env_with, new_marker, reportkit_cmd, staging_left, wait_gone

FAULTS = "raise:故障县内部错误局;kill:故障县进程崩溃局"


def corpus(folder: Path) -> tuple[list[Path], set[str]]:
    """≥ 50 inputs; the agencies whose sets must exist at the end."""
    folder.mkdir()
    files, good = [], set()

    def add(name: str, data) -> None:
        p = folder / name
        p.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
        files.append(p)

    for i in range(40):
        d = example(YUNXI if i % 4 else XINYI)
        d["agency"] = f"混沌县第{i:02d}单位"
        add(f"valid-{i:02d}.json", d)
        good.add(d["agency"])
    for i in range(2):  # twins: same agency and year, told apart by agency_id
        d = example(YUNXI)
        d["agency_id"] = f"1133990{i}MB1F27081{i}"
        d["agency"] = "混沌县孪生单位"
        add(f"twin-{i}.json", d)
    good.add("混沌县孪生单位")
    d = example(YUNXI)
    d["agency"] = "混沌县" + "自然资源和规划局不动产登记中心" * 6
    add("long-name.json", d)
    good.add(d["agency"])
    for i in range(4):  # invalid
        d = example(YUNXI)
        d["requests"]["received"]["natural"] += i + 1
        add(f"invalid-{i}.json", d)
    add("broken.json", "{ not json")
    add("empty.json", "")
    d = example(YUNXI)
    d["published"] = "2108-01-01"
    add("hostile-date.json", d)
    d = example(YUNXI)
    d["agency"] = "混沌县\ud800单位"
    add("hostile-surrogate.json", json.dumps(d, ensure_ascii=True))
    add("hostile-digits.json", json.dumps(example(YUNXI), ensure_ascii=False).replace(
        '"natural": ', '"natural": ' + "7" * 5000 + ', "x": ', 1))
    for agency in ("故障县内部错误局", "故障县进程崩溃局"):
        d = example(YUNXI)
        d["agency"] = agency
        add(f"fault-{agency}.json", d)
    return files, good


def check_reader_rule(out: Path) -> None:
    if not out.exists():
        return
    for d in out.iterdir():
        if (d / "manifest.json").exists():
            assert complete_set(d), f"{d}: a manifest whose files do not match"


def final_state(out: Path, good: set[str]) -> None:
    assert staging_left(out) == []
    agencies = []
    for d in out.iterdir():
        m = complete_set(d)
        assert m, f"{d}: neither a complete set nor absent: {sorted(p.name for p in d.iterdir())}"
        agencies.append(m["agency"])
    assert set(agencies) == good and len(agencies) == len(good) + 1  # the twins are two sets


def chaos(tmp_path: Path, files: list[Path], good: set[str], formats: str, kills: int, window: tuple[float, float]):
    seed = int(os.environ.get("REPORTKIT_CHAOS_SEED", time.time_ns() % 1_000_000))
    rnd = random.Random(seed)
    out = tmp_path / "out"
    for round_ in range(kills):
        marker = new_marker()
        args = ["render", *files, "-o", out, "--formats", formats, "--jobs", 2]
        args += ["--force"] if rnd.random() < .5 else []
        proc = subprocess.Popen(reportkit_cmd(*args), env=env_with(marker, fault=FAULTS), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rnd.uniform(*window))
        sig = signal.SIGKILL if round_ % 2 == 0 else signal.SIGTERM
        proc.send_signal(sig)
        proc.wait(timeout=60)
        left = wait_gone(marker, str(out))
        assert left == [], f"seed {seed}, round {round_} ({sig.name}): processes left {left}"
        check_reader_rule(out)
    marker = new_marker()
    r = subprocess.run(reportkit_cmd("render", *files, "-o", out, "--formats", formats, "--jobs", 2, "--force"),
                       env=env_with(marker, fault=FAULTS), capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, f"seed {seed}: {r.stdout[-2000:]}{r.stderr[-2000:]}"
    assert "Traceback" not in r.stdout + r.stderr
    assert wait_gone(marker, str(out)) == []
    final_state(out, good)
    return r


def test_chaos_batch_killed_and_restarted(tmp_path):
    files, good = corpus(tmp_path / "in")
    assert len(files) >= 50
    r = chaos(tmp_path, files, good, "docx,xlsx", kills=4, window=(0.3, 5.0))
    assert "内部错误" in r.stdout and "进程意外退出" in r.stdout


@needs_libreoffice
def test_chaos_pdf_batch_killed_during_conversion(tmp_path):
    files, good = corpus(tmp_path / "in")
    keep = [f for f in files if f.name.startswith(("valid-0", "twin-", "invalid-0", "hostile-date", "fault-"))]
    good = {a for a in good if a.startswith("混沌县第0") or a == "混沌县孪生单位"}
    chaos(tmp_path, keep, good, "docx,xlsx,pdf", kills=2, window=(1.5, 5.0))
    for d in (tmp_path / "out").iterdir():
        assert [o["format"] for o in complete_set(d)["outputs"]] == ["docx", "xlsx", "pdf"]

