"""`/docs`: Swagger UI served from this server. FastAPI's default page loads its script
from a CDN with no integrity check (and ReDoc likewise), so a CDN compromise would run
code on the page where an operator pastes an API key. The files come from the
swagger-ui-bundle-v2 package instead; `ASSIST_DOCS=false` turns the page off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

ASSETS = Path(str(swagger_ui_path))
_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")  # behind a path-prefix proxy
    return get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json",
        title="assist - API docs",
        swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/assets/favicon-32x32.png",
        oauth2_redirect_url=None,
    )


@router.get("/docs/assets/{name}")
async def asset(name: str) -> FileResponse:
    if name not in _FILES:  # a fixed list: no path from the URL reaches the file system
        raise HTTPException(404, "no docs asset by that name")
    return FileResponse(
        ASSETS / name,
        media_type=_FILES[name],
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
