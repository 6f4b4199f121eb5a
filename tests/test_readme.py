"""The README's command reference is checked against the real command line."""

import re

import pytest
import typer

from assistant.cli import app
from assistant.config import ROOT

pytestmark = pytest.mark.unit


def real_commands() -> dict[str, set[str]]:
    root = typer.main.get_command(app)
    out: dict[str, set[str]] = {}

    def walk(cmd, path: str) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            out[path] = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])
                         if o.startswith("--")}

    walk(root, "")
    return out


def documented() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Command line reference", 1)[1].split("\n## ", 1)[0]
    out = {}
    for usage in re.findall(r"^\| `assistant ([^`]+)`", section, flags=re.M):
        words = usage.split()
        path = " ".join(w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w))
        out[path] = set(re.findall(r"--[a-z][a-z-]*", usage))
    return out


def test_every_command_is_documented_and_every_documented_command_exists():
    assert set(documented()) == set(real_commands())


def test_documented_options_exist_and_none_is_missing():
    real = real_commands()
    for path, opts in documented().items():
        assert opts <= real[path], f"README documents options that `assistant {path}` lacks: {opts - real[path]}"
        missing = real[path] - opts - {"--help", "--no-prune", "--no-dry-run", "--no-json", "--no-rebuild",
                                       "--no-retired"}
        assert not missing, f"README omits options of `assistant {path}`: {missing}"
