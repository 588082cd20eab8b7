"""The browser pages: `/widget` (the sidebar), `/widget/demo` (a demo chat page that
embeds it), `/widget/review` (a lead's snippet queue, contributors, an agent's own
snippets), `/widget/stats` (a lead's statistics) and `/widget/assets/<file>`, plain
files from `assist/web/`, no build step.

The pages need no auth: they hold no secret. Every `/v1` call they make carries the key
the host page passed to the sidebar at init (see README, "The sidebar widget"), or the
one typed into the demo or review page.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

WEB = Path(__file__).parent.parent / "web"  # the static pages, beside the packages
ASSETS = WEB / "assets"
# Checked before the file system is touched: a 5,000-character name made `is_file` raise
# (ENAMETOOLONG) and answer 500.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(js|css|svg|png|woff2)$")
_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "woff2": "font/woff2",
}
# Scripts and styles come from this server only (no inline code, no CDN); any page may
# frame the sidebar (the host decides), and it may call the API base the host names.
_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' http: https:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


# The review page acts with a lead's key on clicks: no other page may frame it (and so
# trick those clicks); nor the stats page, which shows a team's figures; the sidebar must
# stay framable.
_UNFRAMED = {
    "Content-Security-Policy": f"{_CSP}; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def _serve(
    path: Path, media_type: str, request: Request, extra: dict[str, str] | None = None
) -> Response:
    body = path.read_bytes()  # read per request: small files, and edits show on reload
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    headers = {**_HEADERS, **(extra or {}), "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/widget")
async def widget(request: Request) -> Response:
    """The sidebar. Query: `host_origin` (the embedding page's origin), `mode=chatwoot`."""
    return _serve(WEB / "widget.html", "text/html; charset=utf-8", request)


@router.get("/widget/demo")
async def demo(request: Request) -> Response:
    """A demo chat page (customer pane + agent composer) with the sidebar beside it."""
    return _serve(WEB / "demo.html", "text/html; charset=utf-8", request)


@router.get("/widget/review")
async def review(request: Request) -> Response:
    """Snippet review: a lead's queue (approve / edit / reject), contributors, and an
    agent's own snippets with the reviewer's note. The key is typed into the page."""
    return _serve(WEB / "review.html", "text/html; charset=utf-8", request, _UNFRAMED)


@router.get("/widget/stats")
async def stats(request: Request) -> Response:
    """A lead's statistics: acceptance per reply, recital trend, contributors, gaps
    (GET /v1/stats and /v1/stats/gaps). The key is typed into the page."""
    return _serve(WEB / "stats.html", "text/html; charset=utf-8", request, _UNFRAMED)


@router.get("/widget/assets/{name}")
async def asset(name: str, request: Request) -> Response:
    match = _NAME.fullmatch(name)
    path = ASSETS / name
    if match is None or not path.is_file():
        raise HTTPException(404, f"no widget asset named {name[:80]!r}")
    return _serve(path, _TYPES[match.group(1)], request)
