"""Coaching on the agent's draft before it is sent: findings with stable codes, how much
of it is recited template text, and a proposed follow-up when it promises one."""

from .check import check
from .result import CODES, CheckResult, Finding, FollowUpProposal

__all__ = ["CODES", "CheckResult", "Finding", "FollowUpProposal", "check"]
