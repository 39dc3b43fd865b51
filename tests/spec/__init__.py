"""The independent oracle: a slow, obvious reference evaluator written from AWS's documentation."""
