"""Learning from what agents do: ranking priors from aggregated feedback counts.

Pure functions over plain rows (the store aggregates them with GROUP BY); the result is
a plain mapping the Suggester adds to its scores, bounded.
"""

from .priors import Count, Counts, Priors, learn_priors, prior_key

__all__ = ["Count", "Counts", "Priors", "learn_priors", "prior_key"]
