"""Service operations (IAM, STS, ...): the only layer that combines store, engine and audit."""
