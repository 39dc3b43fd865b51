"""Request authentication: SigV4 (header and presigned) and SigV2 verification.

Framework-free and store-free: secrets arrive through an injected lookup."""
