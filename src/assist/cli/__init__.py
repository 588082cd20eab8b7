"""The `assist` command: one module per command group, console output."""

from .main import main

__all__ = ["main"]
