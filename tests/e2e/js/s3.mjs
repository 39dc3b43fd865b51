// AWS SDK for JavaScript v3 S3 client against a live Clearance server: path style
// (forcePathStyle) and virtual-hosted style (BUCKET.localhost, resolved to the
// loopback address by the agent's lookup). Same contract as smoke.mjs: one JSON
// line {"ok", "results", "failures"} on stdout; exit 0 only when every check passed.
//
// Run by tests/e2e/test_js_sdk_s3.py.

import dns from "node:dns";
import http from "node:http";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const endpoint = process.env.CLEARANCE_ENDPOINT;
const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
if (!endpoint || !accessKeyId || !secretAccessKey) {
  console.log(JSON.stringify({ ok: false, results: {}, failures: ["setup: environment"] }));
  process.exit(2);
}

const results = {};
const failures = [];
const bucket = `js-s3-${process.pid}-${Date.now()}`;

function check(name, condition, detail) {
  if (!condition) failures.push(`${name}: ${JSON.stringify(detail)}`);
}

const base = {
  region: "us-east-1",
  credentials: { accessKeyId, secretAccessKey },
  maxAttempts: 1,
};
const pathStyle = new S3Client({ ...base, endpoint, forcePathStyle: true });
const lookup = (hostname, options, callback) =>
  dns.lookup(hostname.endsWith(".localhost") ? "127.0.0.1" : hostname, options, callback);
const port = new URL(endpoint).port;
const virtual = new S3Client({
  ...base,
  endpoint: `http://localhost:${port}`,
  forcePathStyle: false,
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ lookup }) }),
});

async function run() {
  await pathStyle.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = await pathStyle.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: "hello.txt",
      Body: "hello from js",
      ContentType: "text/plain",
      Metadata: { sdk: "js-v3" },
    }),
  );
  results.put = { etag: put.ETag };
  const got = await pathStyle.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
  results.get = {
    body: await got.Body.transformToString(),
    contentType: got.ContentType,
    metadata: got.Metadata,
    etag: got.ETag,
  };
  const ranged = await pathStyle.send(
    new GetObjectCommand({ Bucket: bucket, Key: "hello.txt", Range: "bytes=0-4" }),
  );
  results.range = { body: await ranged.Body.transformToString(), contentRange: ranged.ContentRange };
  const head = await pathStyle.send(new HeadObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
  results.head = { contentLength: head.ContentLength };

  await virtual.send(new PutObjectCommand({ Bucket: bucket, Key: "virtual.txt", Body: "vhost" }));
  const vgot = await virtual.send(new GetObjectCommand({ Bucket: bucket, Key: "virtual.txt" }));
  results.virtual = { body: await vgot.Body.transformToString() };

  const listed = await pathStyle.send(new ListObjectsV2Command({ Bucket: bucket }));
  results.list = { keys: (listed.Contents || []).map((o) => o.Key), keyCount: listed.KeyCount };

  try {
    await pathStyle.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" }));
    results.missing = { thrown: false };
  } catch (error) {
    results.missing = {
      thrown: true,
      name: error.name,
      instanceOfNoSuchKey: error instanceof NoSuchKey,
      status: error.$metadata?.httpStatusCode,
    };
  }
  for (const key of ["hello.txt", "virtual.txt"]) {
    await pathStyle.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
  await pathStyle.send(new DeleteBucketCommand({ Bucket: bucket }));
  results.deleted = true;
}

try {
  await run();
} catch (error) {
  failures.push(`unexpected ${error.name}: ${error.message}`);
}
check("get.body", results.get?.body === "hello from js", results.get);
check("virtual.body", results.virtual?.body === "vhost", results.virtual);
console.log(JSON.stringify({ ok: failures.length === 0, results, failures }));
process.exit(failures.length === 0 ? 0 : 1);
