"""The Docker image's recipe, followed without a Docker engine: build a wheel from what the build stage
copies, install it into a fresh virtual environment, lay out what the runtime stage copies, and run the
runtime stage's own commands (``assistant setup``, then its ENTRYPOINT and CMD) with its ENV, from an
empty folder. The service must come up ready and answer.

Only the project comes from the wheel: the new environment reads the project environment's
site-packages for the dependencies (a ``.pth`` line, so the editable install's finder is not run),
which keeps the test offline and quick to install.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from dockerfile_parse import DockerfileParser

from assistant.config import ROOT, Settings
from tests.ops.helpers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.integration]

DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    name: str
    workdir: str = "/"
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # (sources, destination), from the context
    runs: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)


def read_stages(path: Path) -> dict[str, Stage]:
    """The Dockerfile's stages by name: what each copies from the build context, runs and sets."""
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    entrypoint: list[str] = []
    for ins in DockerfileParser(path=str(path)).structure:
        kind, value = ins["instruction"], ins["value"]
        if kind == "FROM":
            stage = stages.setdefault(value.split()[-1], Stage(value.split()[-1]))
            continue
        if stage is None:
            continue
        if kind == "WORKDIR":
            stage.workdir = value
        elif kind == "COPY" and "--from=" not in value:
            words = [w for w in shlex.split(value) if not w.startswith("--")]
            stage.copies.append((words[:-1], words[-1]))
        elif kind == "RUN":
            stage.runs.append(value)
        elif kind == "ENV":
            stage.env.update(_env_pairs(value))
        elif kind == "ENTRYPOINT":
            entrypoint = json.loads(value)
        elif kind == "CMD":
            stage.command = entrypoint + json.loads(value)
        elif kind == "HEALTHCHECK":
            stage.healthcheck = json.loads(value.split(" CMD ", 1)[1])
    return stages


def _env_pairs(value: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in shlex.split(value))


def _destination(workdir: str, dest: str, root: Path) -> Path:
    return root / Path(workdir, dest).relative_to("/")


def _lay_out(stage: Stage, root: Path) -> None:
    """Copy what the stage copies from the build context (the checkout) to the same places under ``root``."""
    for sources, dest in stage.copies:
        target = _destination(stage.workdir, dest, root)
        for src in sources:
            where = target / src if dest.endswith("/") else target
            if (ROOT / src).is_dir():
                shutil.copytree(ROOT / src, where, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                where.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / src, where)


def _in(root: Path, text: str, workdir: str) -> str:
    """Paths of the image (``/app/...``) in ``text`` moved under ``root``."""
    return re.sub(re.escape(workdir) + r"(?=/|\s|$)", str(_destination(workdir, ".", root)), text)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The image's file system under a temp folder: a virtual environment with the wheel, and /app."""
    tmp = tmp_path_factory.mktemp("image")
    stages = read_stages(DOCKERFILE)
    build, runtime = stages["build"], stages["runtime"]

    # build stage: its copies, then the wheel of what it installs with `pip install .`
    assert any("pip install" in r and r.rstrip().endswith(" .") for r in build.runs), build.runs
    _lay_out(build, tmp / "ctx")
    src = _destination(build.workdir, ".", tmp / "ctx")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "-w", str(tmp / "dist"), "-q"], check=True, capture_output=True, text=True, timeout=300)
    wheel = next((tmp / "dist").glob("counselor_assistant-*.whl"))

    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "project-dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--ignore-installed", "-q", str(wheel)], check=True, capture_output=True, text=True,
                   timeout=300)

    # runtime stage: its copies under tmp/app, its ENV with /app moved there, PATH to the new venv only
    _lay_out(runtime, tmp)
    env = {k: os.environ[k] for k in ("HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env.update({k: _in(tmp, v, runtime.workdir) for k, v in runtime.env.items() if k != "PATH"})
    env["PATH"] = f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
    empty = tmp / "empty"
    empty.mkdir()
    return {"tmp": tmp, "stage": runtime, "env": env, "venv": venv, "cwd": empty, "wheel": wheel}


def _run(image: dict[str, object], argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=image["cwd"], env=image["env"], capture_output=True,  # type: ignore[arg-type]
                          text=True, timeout=timeout)


def test_every_assistant_variable_of_the_image_names_a_setting():
    for key in read_stages(DOCKERFILE)["runtime"].env:
        if key.startswith("ASSISTANT_"):
            assert key.removeprefix("ASSISTANT_").lower() in Settings.model_fields, key


def test_the_wheel_holds_every_file_of_the_package(image):
    tracked = subprocess.run(["git", "ls-files", "assistant"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    with zipfile.ZipFile(image["wheel"]) as whl:  # type: ignore[arg-type]
        shipped = set(whl.namelist())
    assert tracked and not [f for f in tracked if f not in shipped]


def test_the_installed_package_and_its_data_come_from_the_wheel_and_the_image_layout(image):
    probe = ("import json, assistant; from assistant.config import Settings; s = Settings(); "
             "print(json.dumps({'package': assistant.__file__, 'prompt': str(s.prompt_file), "
             "'judge': str(s.judge_prompt_file), 'kb': str(s.kb_dir), 'seed': str(s.shipped_embeddings_dir), "
             "'queries': str(s.eval_queries), 'gates': str(s.eval_gates)}))")
    out = _run(image, ["python", "-c", probe])
    assert out.returncode == 0, out.stderr
    paths = {k: Path(v) for k, v in json.loads(out.stdout).items()}
    venv, app = Path(image["venv"]).resolve(), Path(image["tmp"]).resolve()  # type: ignore[arg-type]
    assert not paths["package"].resolve().is_relative_to(ROOT) and paths["package"].resolve().is_relative_to(venv)
    for key in ("prompt", "judge"):  # package data
        assert paths[key].resolve().is_relative_to(venv) and paths[key].is_file(), key
    for key in ("kb", "seed", "queries", "gates"):  # what the runtime stage copies
        assert paths[key].resolve().is_relative_to(app) and paths[key].exists(), key
    for name in ("entries.jsonl", "thesaurus.tsv", "userdict.tsv", "glossary.tsv"):
        assert (paths["kb"] / name).is_file(), name


def test_the_evaluation_commands_default_to_the_image_s_query_set(image):
    out = Path(image["tmp"]) / "beir"  # type: ignore[arg-type]
    done = _run(image, ["assistant", "eval", "export-beir", str(out), "--queries-only"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "queries.jsonl").stat().st_size > 0


def test_the_image_sets_up_serves_and_answers_from_an_empty_folder(image):
    stage: Stage = image["stage"]  # type: ignore[assignment]
    tmp: Path = image["tmp"]  # type: ignore[assignment]
    setup = [r for r in stage.runs if "assistant setup" in r]
    assert setup, "the runtime stage builds the knowledge base and index at build time"
    for command in setup:  # the stage's own RUN line, /app moved under tmp
        done = _run(image, ["sh", "-c", _in(tmp, command, stage.workdir)], timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]

    made = _run(image, ["assistant", "token", "create", "--role", "counselor", "--name", "wheel-test"])
    assert made.returncode == 0, made.stderr[-2000:]
    token = made.stdout.strip().splitlines()[-1]

    port = free_port()
    argv = list(stage.command)
    assert argv[:2] == ["assistant", "serve"]
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    log = (tmp / "serve.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(argv, cwd=image["cwd"], env=image["env"], stdout=log,  # type: ignore[arg-type]
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        ready = None
        deadline = time.monotonic() + 300  # a bound on waiting, not a timing assertion
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{url}/readyz", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert proc.poll() is None, (tmp / "serve.log").read_text(encoding="utf-8")[-3000:]
        assert ready is not None and ready.status_code == 200, ready.text if ready is not None else "no answer"

        r = httpx.post(f"{url}/v1/advise", headers={"Authorization": f"Bearer {token}"}, timeout=60,
                       json={"question": "기초연금 신청은 어디서 하나요?", "region": "서울특별시 마포구"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["hits"] and body["mode"] in ("extractive", "abstain")

        probe = [arg.replace("8000", str(port)) for arg in stage.healthcheck]  # the image's HEALTHCHECK
        assert _run(image, probe).returncode == 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
