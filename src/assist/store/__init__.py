"""The database: the feedback log today; SQLite embedded, PostgreSQL for replicas."""

from .feedback import Store, StoreUnavailable

__all__ = ["Store", "StoreUnavailable"]
