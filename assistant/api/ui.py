"""The counselor side-panel widget and the editor screens: static files served by the service.

Plain HTML, CSS and JavaScript modules, no build step and no CDN, so the pages work on a call-center
network with no internet. The pages ask for an API token themselves and keep it in ``localStorage``.

>>> mount_ui(app)        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PAGES = ("widget", "editor", "trends", "alerts", "assets")


def mount_ui(app: FastAPI) -> None:
    """Serve the widget and editor pages (no CDN: every asset ships in ``assistant/api/static``)."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/widget/", status_code=307)

    for name in PAGES:
        # html=True serves index.html for /widget/; /widget (no slash) is redirected by Starlette's mount
        app.mount(f"/{name}", StaticFiles(directory=STATIC / name, html=True, check_dir=False), name=name)
