"""Running reportkit as real processes, and finding the processes a run left behind."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import uuid
from pathlib import Path

FAULTS = Path(__file__).with_name("faults")


def reportkit_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "reportkit", *map(str, args)]


def env_with(marker: str | None = None, fault: str | None = None, **extra) -> dict:
    """The environment for a reportkit subprocess: ``marker`` tags it and every descendant
    that keeps the environment; ``fault`` sets REPORTKIT_TEST_FAULT (see faults/sitecustomize.py)."""
    env = dict(os.environ)
    if marker:
        env["REPORTKIT_TEST_MARKER"] = marker
    if fault:
        env["REPORTKIT_TEST_FAULT"] = fault
        env["PYTHONPATH"] = os.pathsep.join([str(FAULTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def new_marker() -> str:
    return f"rk-test-{uuid.uuid4().hex}"


def processes_of(marker: str, *fragments: str) -> list[tuple[int, str]]:
    """Live processes whose environment holds ``marker`` or whose command line holds one of
    ``fragments`` (LibreOffice in its sandbox has a clean environment but our paths)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if marker.encode() in environ or any(f.encode() in cmdline for f in fragments if f):
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode("utf-8", "replace")))
    return found


def wait_gone(marker: str, *fragments: str, timeout: float = 15.0) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout
    while True:
        left = processes_of(marker, *fragments)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def wait_for(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def complete_set(folder: Path) -> dict | None:
    """The manifest when ``folder`` holds a complete set by the reader's rule (manifest
    present, every listed file has the listed SHA-256, the manifest unchanged meanwhile)."""
    m = folder / "manifest.json"
    try:
        before = m.read_bytes()
        manifest = json.loads(before)
        for o in manifest["outputs"]:
            if hashlib.sha256((folder / o["name"]).read_bytes()).hexdigest() != o["sha256"]:
                return None
        if m.read_bytes() != before:
            return None
    except (OSError, ValueError, KeyError):
        return None
    return manifest


def staging_left(root: Path) -> list[str]:
    return [str(p) for p in root.rglob(".reportkit-staging-*")]
