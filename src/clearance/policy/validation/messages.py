"""AWS's messages for malformed policies, word for word.

From IAM (``CreatePolicy``, ``CreateRole``) and, for resource policies, S3's
``PutBucketPolicy`` (``Missing required field Principal``, ``Invalid principal
in policy``).
"""

__all__ = [
    "CODE",
    "INVALID_PRINCIPAL",
    "LEGACY_PARSING",
    "MISSING_PRINCIPAL",
    "NO_ACTIONS",
    "NO_RESOURCES",
    "NO_VENDOR",
    "ONE_COLON",
    "PRINCIPAL_NOT_ALLOWED",
    "SID_CHARACTERS",
    "SID_UNIQUE",
    "SYNTAX_ERROR",
    "TRUST_ACTIONS",
    "VERSION_REQUIRED",
]

CODE = "MalformedPolicyDocument"

SYNTAX_ERROR = "Syntax errors in policy."
VERSION_REQUIRED = "Policy document must be version 2012-10-17 or greater."
LEGACY_PARSING = "The policy failed legacy parsing"
SID_CHARACTERS = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
SID_UNIQUE = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
PRINCIPAL_NOT_ALLOWED = "Policy document should not specify a principal."
MISSING_PRINCIPAL = "Missing required field Principal"
INVALID_PRINCIPAL = "Invalid principal in policy"
TRUST_ACTIONS = "AssumeRole policy may only specify STS AssumeRole actions."
