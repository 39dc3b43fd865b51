// AWS SDK for JavaScript v3 smoke test against a live Clearance server.
//
// Reads CLEARANCE_ENDPOINT (or AWS_ENDPOINT_URL), AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (optionally AWS_SESSION_TOKEN) from the environment.
// Prints exactly one JSON line on stdout: {"ok": bool, "results": {...}, "failures": [...]}.
// Exits 0 only when every check passed; 1 on any mismatch; 2 on a setup error.
//
// Run by tests/e2e/test_js_sdk.py; by hand:
//   CLEARANCE_ENDPOINT=http://127.0.0.1:PORT AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node smoke.mjs

import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  NoSuchEntityException,
  paginateListUsers,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const REGION = "us-east-1";

const endpoint = process.env.CLEARANCE_ENDPOINT || process.env.AWS_ENDPOINT_URL;
const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
const sessionToken = process.env.AWS_SESSION_TOKEN || undefined;
const expectedAccount = process.env.CLEARANCE_ACCOUNT_ID || undefined;

if (!endpoint || !accessKeyId || !secretAccessKey) {
  console.log(
    JSON.stringify({
      ok: false,
      results: {},
      failures: ["setup: CLEARANCE_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required"],
    }),
  );
  process.exit(2);
}

const clientConfig = {
  region: REGION,
  endpoint,
  credentials: { accessKeyId, secretAccessKey, sessionToken },
  maxAttempts: 1,
};
const sts = new STSClient(clientConfig);
const iam = new IAMClient(clientConfig);

const results = { sdk: { node: process.version } };
const failures = [];
const suffix = `${process.pid}-${Date.now()}`;
const userName = `js-smoke-${suffix}`;
// Every user this run creates lives under its own path, so ListUsers can be
// filtered to exactly them (the shared pytest server holds other users too).
const userPath = `/js-smoke/${suffix}/`;
const extraUsers = [`${userName}-b`, `${userName}-c`];
const policyName = `js-smoke-policy-${suffix}`;
const policyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "JsSmoke",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: ["arn:aws:s3:::js-smoke-bucket", "arn:aws:s3:::js-smoke-bucket/*"],
      Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
    },
  ],
};

function check(name, condition, detail) {
  if (!condition) failures.push(detail === undefined ? name : `${name}: ${JSON.stringify(detail)}`);
}

function describeError(err) {
  return {
    name: err?.name,
    message: err?.message,
    httpStatusCode: err?.$metadata?.httpStatusCode,
    requestId: err?.$metadata?.requestId,
    fault: err?.$fault,
  };
}

// Runs one step; an unexpected exception is recorded as a failure (not thrown),
// so later steps and cleanup still run and the report stays one JSON line.
async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    failures.push(`${name}: unexpected error ${JSON.stringify(describeError(err))}`);
    return undefined;
  }
}

let policyArn;
let userCreated = false;
const extrasCreated = [];
let policyAttached = false;

try {
  // STS GetCallerIdentity
  await step("GetCallerIdentity", async () => {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    results.callerIdentity = { account: out.Account, arn: out.Arn, userId: out.UserId };
    check("GetCallerIdentity.Account", /^\d{12}$/.test(out.Account ?? ""), out.Account);
    if (expectedAccount) check("GetCallerIdentity.Account matches", out.Account === expectedAccount, out.Account);
    check("GetCallerIdentity.Arn", (out.Arn ?? "").startsWith(`arn:aws:iam::${out.Account}:`), out.Arn);
    check("GetCallerIdentity.requestId", !!out.$metadata.requestId, out.$metadata);
    check("GetCallerIdentity.httpStatusCode", out.$metadata.httpStatusCode === 200, out.$metadata);
  });

  // IAM CreateUser with tags
  await step("CreateUser", async () => {
    const out = await iam.send(
      new CreateUserCommand({
        UserName: userName,
        Path: userPath,
        Tags: [
          { Key: "team", Value: "clearance" },
          { Key: "sdk", Value: "js-v3" },
        ],
      }),
    );
    userCreated = true;
    const user = out.User ?? {};
    results.createUser = {
      userName: user.UserName,
      arn: user.Arn,
      path: user.Path,
      createDateIsDate: user.CreateDate instanceof Date && !Number.isNaN(user.CreateDate.getTime()),
      tags: user.Tags,
    };
    check("CreateUser.UserName", user.UserName === userName, user.UserName);
    check("CreateUser.Path", user.Path === userPath, user.Path);
    check("CreateUser.Arn", user.Arn === `arn:aws:iam::${results.callerIdentity?.account}:user${userPath}${userName}`, user.Arn);
    check("CreateUser.UserId", /^AIDA[A-Z0-9]+$/.test(user.UserId ?? ""), user.UserId);
    check("CreateUser.CreateDate", results.createUser.createDateIsDate, user.CreateDate);
    check("CreateUser.requestId", !!out.$metadata.requestId, out.$metadata);
  });

  // IAM GetUser (tags come back on GetUser)
  await step("GetUser", async () => {
    const out = await iam.send(new GetUserCommand({ UserName: userName }));
    const user = out.User ?? {};
    const tags = Object.fromEntries((user.Tags ?? []).map((t) => [t.Key, t.Value]));
    results.getUser = { userName: user.UserName, arn: user.Arn, tags };
    check("GetUser.UserName", user.UserName === userName, user.UserName);
    check("GetUser.Arn", user.Arn === results.createUser?.arn, user.Arn);
    check("GetUser.Tags", tags.team === "clearance" && tags.sdk === "js-v3", user.Tags);
  });

  // IAM ListUsers through the paginator. Two more users under the same path and
  // pageSize 1 make it follow IsTruncated/Marker across three pages.
  for (const extra of extraUsers) {
    await step(`CreateUser ${extra}`, async () => {
      await iam.send(new CreateUserCommand({ UserName: extra, Path: userPath }));
      extrasCreated.push(extra);
    });
  }
  await step("ListUsers", async () => {
    const names = [];
    const pageSizes = [];
    for await (const page of paginateListUsers({ client: iam, pageSize: 1 }, { PathPrefix: userPath })) {
      pageSizes.push((page.Users ?? []).length);
      for (const u of page.Users ?? []) names.push(u.UserName);
      if (pageSizes.length > 50) throw new Error("paginator did not terminate");
    }
    const expected = [userName, ...extrasCreated].sort();
    results.listUsers = { pages: pageSizes.length, pageSizes, users: names };
    check("ListUsers users", JSON.stringify([...names].sort()) === JSON.stringify(expected), { names, expected });
    check("ListUsers no duplicates", new Set(names).size === names.length, names);
    check("ListUsers one user per page", pageSizes.every((n) => n === 1), pageSizes);
  });

  // IAM CreatePolicy + GetPolicyVersion (document is URL-encoded JSON on the wire)
  await step("CreatePolicy", async () => {
    const out = await iam.send(
      new CreatePolicyCommand({
        PolicyName: policyName,
        Path: "/js-smoke/",
        PolicyDocument: JSON.stringify(policyDocument),
        Description: "JS SDK v3 smoke test",
      }),
    );
    const policy = out.Policy ?? {};
    policyArn = policy.Arn;
    results.createPolicy = {
      arn: policy.Arn,
      defaultVersionId: policy.DefaultVersionId,
      attachmentCount: policy.AttachmentCount,
    };
    check("CreatePolicy.Arn", (policy.Arn ?? "").endsWith(`:policy/js-smoke/${policyName}`), policy.Arn);
    check("CreatePolicy.DefaultVersionId", policy.DefaultVersionId === "v1", policy.DefaultVersionId);
    check("CreatePolicy.AttachmentCount", policy.AttachmentCount === 0, policy.AttachmentCount);
  });

  if (policyArn) {
    await step("GetPolicyVersion", async () => {
      const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: "v1" }));
      const version = out.PolicyVersion ?? {};
      const raw = version.Document ?? "";
      const decoded = JSON.parse(decodeURIComponent(raw));
      results.getPolicyVersion = {
        versionId: version.VersionId,
        isDefaultVersion: version.IsDefaultVersion,
        urlEncoded: raw !== decodeURIComponent(raw),
        document: decoded,
      };
      check("GetPolicyVersion.VersionId", version.VersionId === "v1", version.VersionId);
      check("GetPolicyVersion.IsDefaultVersion", version.IsDefaultVersion === true, version.IsDefaultVersion);
      check("GetPolicyVersion.Document url-encoded", results.getPolicyVersion.urlEncoded, raw);
      check(
        "GetPolicyVersion.Document round-trips",
        JSON.stringify(decoded) === JSON.stringify(policyDocument),
        decoded,
      );
    });
  }

  // IAM AttachUserPolicy (verified with ListAttachedUserPolicies)
  if (policyArn && userCreated) {
    await step("AttachUserPolicy", async () => {
      const out = await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }));
      policyAttached = true;
      check("AttachUserPolicy.httpStatusCode", out.$metadata.httpStatusCode === 200, out.$metadata);
      const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
      const arns = (listed.AttachedPolicies ?? []).map((p) => p.PolicyArn);
      results.attachUserPolicy = { attached: arns };
      check("ListAttachedUserPolicies", arns.length === 1 && arns[0] === policyArn, arns);
    });
  }

  // Error case: GetUser on a missing user -> NoSuchEntityException, 404, request id
  await step("GetUser missing", async () => {
    const missing = `js-smoke-missing-${suffix}`;
    try {
      await iam.send(new GetUserCommand({ UserName: missing }));
      failures.push("GetUser missing: expected NoSuchEntityException, call succeeded");
    } catch (err) {
      const info = describeError(err);
      results.missingUserError = {
        ...info,
        instanceOfNoSuchEntity: err instanceof NoSuchEntityException,
        code: err?.Error?.Code ?? err?.Code,
      };
      check("GetUser missing: name", err?.name === "NoSuchEntityException", info);
      check("GetUser missing: instanceof", err instanceof NoSuchEntityException, info);
      check("GetUser missing: httpStatusCode", info.httpStatusCode === 404, info);
      check("GetUser missing: requestId", typeof info.requestId === "string" && info.requestId.length > 0, info);
      check("GetUser missing: $fault", info.fault === "client", info);
      check("GetUser missing: message mentions user", (info.message ?? "").includes(missing), info);
    }
  });
} finally {
  // Cleanup: detach, delete policy, delete user (DeleteUser is part of the smoke test).
  if (policyAttached) {
    await step("DetachUserPolicy", () =>
      iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn })),
    );
  }
  if (policyArn) {
    await step("DeletePolicy", () => iam.send(new DeletePolicyCommand({ PolicyArn: policyArn })));
  }
  for (const extra of extrasCreated) {
    await step(`DeleteUser ${extra}`, () => iam.send(new DeleteUserCommand({ UserName: extra })));
  }
  if (userCreated) {
    await step("DeleteUser", async () => {
      const out = await iam.send(new DeleteUserCommand({ UserName: userName }));
      check("DeleteUser.httpStatusCode", out.$metadata.httpStatusCode === 200, out.$metadata);
      let gone = false;
      try {
        await iam.send(new GetUserCommand({ UserName: userName }));
      } catch (err) {
        gone = err?.name === "NoSuchEntityException";
      }
      results.deleteUser = { deleted: gone };
      check("DeleteUser: user gone", gone);
    });
  }
  sts.destroy();
  iam.destroy();
}

const ok = failures.length === 0;
console.log(JSON.stringify({ ok, results, failures }));
process.exitCode = ok ? 0 : 1;
