// AWS SDK for JavaScript v3 S3 client in virtual-hosted style only (no forcePathStyle):
// every request goes to BUCKET.localhost:PORT. Names under .localhost need not resolve on
// the machine (RFC 6761 leaves it to the resolver), so the HTTP agent's lookup sends
// them to the loopback address; /etc/hosts is left alone. A middleware records the
// host each request went to, so the test can tell virtual-hosted requests happened.
// Same contract as smoke.mjs: one JSON line {"ok", "results", "failures"} on stdout;
// exit 0 only when every check passed.
//
// Environment: CLEARANCE_ENDPOINT, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the
// bucket owner), READER_ACCESS_KEY_ID / READER_SECRET_ACCESS_KEY (a user of the same
// account without identity policies), READER_ARN.
// Run by tests/e2e/test_js_sdk_s3.py.

import dns from "node:dns";
import http from "node:http";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const env = process.env;
const endpoint = env.CLEARANCE_ENDPOINT;
const needed = [
  "CLEARANCE_ENDPOINT",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "READER_ACCESS_KEY_ID",
  "READER_SECRET_ACCESS_KEY",
  "READER_ARN",
];
if (needed.some((name) => !env[name])) {
  console.log(JSON.stringify({ ok: false, results: {}, failures: ["setup: environment"] }));
  process.exit(2);
}

const results = {};
const failures = [];
const bucket = `js-vhost-${process.pid}-${Date.now()}`;
const hosts = new Set();

function check(name, condition, detail) {
  if (!condition) failures.push(`${name}: ${JSON.stringify(detail)}`);
}

const lookup = (hostname, options, callback) =>
  dns.lookup(hostname.endsWith(".localhost") ? "127.0.0.1" : hostname, options, callback);
const port = new URL(endpoint).port;

function virtualClient(accessKeyId, secretAccessKey) {
  const client = new S3Client({
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
    endpoint: `http://localhost:${port}`,
    forcePathStyle: false,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup }) }),
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      hosts.add(args.request.hostname);
      return next(args);
    },
    { step: "finalizeRequest", name: "recordHost" },
  );
  return client;
}

const owner = virtualClient(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY);
const reader = virtualClient(env.READER_ACCESS_KEY_ID, env.READER_SECRET_ACCESS_KEY);

async function failure(promise) {
  try {
    await promise;
    return { thrown: false };
  } catch (error) {
    return {
      thrown: true,
      name: error.name,
      status: error.$metadata?.httpStatusCode,
      message: error.message,
      instanceOfNoSuchKey: error instanceof NoSuchKey,
    };
  }
}

async function run() {
  await owner.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = await owner.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "docs/readme.txt",
      Body: "virtual hosted",
      ContentType: "text/plain",
      Metadata: { style: "virtual" },
    }),
  );
  results.put = { etag: put.ETag };
  const got = await owner.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/readme.txt" }));
  results.get = {
    body: await got.Body.transformToString(),
    contentType: got.ContentType,
    metadata: got.Metadata,
  };
  const ranged = await owner.send(
    new GetObjectCommand({ Bucket: bucket, Key: "docs/readme.txt", Range: "bytes=8-13" }),
  );
  results.range = { body: await ranged.Body.transformToString(), contentRange: ranged.ContentRange };
  const head = await owner.send(new HeadObjectCommand({ Bucket: bucket, Key: "docs/readme.txt" }));
  results.head = { contentLength: head.ContentLength };
  await owner.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: "docs/copy.txt",
      CopySource: `${bucket}/docs/readme.txt`,
    }),
  );
  const listed = await owner.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: "docs/", Delimiter: "/" }),
  );
  results.list = { keys: (listed.Contents || []).map((o) => o.Key), keyCount: listed.KeyCount };
  results.missing = await failure(owner.send(new GetObjectCommand({ Bucket: bucket, Key: "nope" })));

  // A user of the account without policies: denied, until the bucket policy names it.
  results.readerDenied = await failure(
    reader.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/readme.txt" })),
  );
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: env.READER_ARN },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/docs/*`,
      },
    ],
  };
  await owner.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  const granted = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/copy.txt" }));
  results.readerGranted = { body: await granted.Body.transformToString() };
  await owner.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));

  for (const key of ["docs/readme.txt", "docs/copy.txt"]) {
    await owner.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
  await owner.send(new DeleteBucketCommand({ Bucket: bucket }));
  results.deleted = true;
}

try {
  await run();
} catch (error) {
  failures.push(`unexpected ${error.name}: ${error.message}`);
}
results.bucket = bucket;
results.hosts = [...hosts].sort();
check("get.body", results.get?.body === "virtual hosted", results.get);
check("hosts", results.hosts.length === 1 && results.hosts[0] === `${bucket}.localhost`, hosts);
console.log(JSON.stringify({ ok: failures.length === 0, results, failures }));
process.exit(failures.length === 0 ? 0 : 1);
