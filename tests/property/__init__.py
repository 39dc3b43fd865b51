"""Property tests: the engine against the reference evaluator, and monotonicity."""
