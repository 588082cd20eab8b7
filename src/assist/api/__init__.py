"""The HTTP edge: app factory, auth, limits, metrics, the served state and the web routes."""

from .app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
