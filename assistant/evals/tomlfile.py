"""Reading the evaluation's TOML files (gates, the sets registry) with one-line errors of the caller's kind.

>>> read_toml(Path("nowhere.toml"), ValueError, "gates file")
Traceback (most recent call last):
...
ValueError: cannot read gates file nowhere.toml: [Errno 2] No such file or directory: 'nowhere.toml'
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """``path`` parsed, or ``error`` saying it cannot be read or is not valid TOML (``what`` names the file)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc
