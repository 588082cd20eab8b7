"""Public benchmarks, the golden set and reports, run through the production pipeline."""
