"""Keys never reach uvicorn's access log, even when a client puts one in the URL.

The API reads keys only from the Authorization header, but a misconfigured client may send
`?api_key=...` anyway, and uvicorn logs the path with its query string. So: `/v1` routes
are logged without their query string at all, and elsewhere the values of key-like
parameters, and anything shaped like our keys, are replaced by `[redacted]`.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_SECRET_NAMES = re.compile(
    r"key|token|secret|password|passwd|auth|session|signature|sig|credential", re.IGNORECASE
)
_KEY_SHAPED = re.compile(r"ak_[A-Za-z0-9_\-]+|[A-Za-z0-9_\-]{32,}")


class AccessLogRedactor(logging.Filter):
    """For the records uvicorn's access logger makes:
    `'%s - "%s %s HTTP/%s" %d' % (client, method, path_with_query, http_version, status)`."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def redact_path(path: str) -> str:
    base, mark, query = path.partition("?")
    if not mark:
        return path
    if base == "/v1" or base.startswith("/v1/"):
        return f"{base}?{REDACTED}"
    safe = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if _KEY_SHAPED.search(name):  # a bare key, `?ak_...`
            name, value = REDACTED, ""
        elif _SECRET_NAMES.search(name) or _KEY_SHAPED.search(value):
            value = REDACTED
        safe.append((name, value))
    if not safe:  # nothing parsable: nothing worth keeping
        return f"{base}?{REDACTED}"
    return f"{base}?{urlencode(safe, safe='[]')}"


def install() -> None:
    """Idempotent: one redactor on the access logger, however many apps are created."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, AccessLogRedactor) for f in logger.filters):
        logger.addFilter(AccessLogRedactor())
