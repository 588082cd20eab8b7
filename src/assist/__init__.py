"""assist: real-time reply suggestions for support agents, in Persian and English."""

__version__ = "0.1.0"
