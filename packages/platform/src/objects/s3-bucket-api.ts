import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import { s3Error } from "./errors.js";
import { notificationConfigurationXml, parseNotificationConfiguration } from "./notification-config.js";
import type { EventContext } from "./notification-events.js";
import { s3UrlEncode } from "./notification-events.js";
import type { ObjectService } from "./object-service.js";
import { isoTime, readSmallBody, xmlResult } from "./s3-http.js";
import { childText, parseXml, type XmlChildren } from "./xml.js";

/** What bucket-level handlers need besides the request. */
export interface BucketApiDeps {
  objects: ObjectService;
  /** The account's owner id (ListBuckets Owner, ACLs). */
  ownerId: string;
  defaultRegion: string;
  /**
   * Sends the s3:TestEvent to a queue or topic destination, and checks that a function
   * exists; throws when the destination cannot be reached.
   */
  validateDestination: (kind: "queue" | "topic" | "lambda", arn: string, testEvent: string) => Promise<void>;
  testEvent: (bucket: string) => string;
  newId: () => string;
}

export function listBuckets(deps: BucketApiDeps): HttpResult {
  const buckets = deps.objects.index.listBuckets();
  return xmlResult("ListAllMyBucketsResult", [
    [
      "Owner",
      [
        ["ID", deps.ownerId],
        ["DisplayName", "nimbus"],
      ],
    ],
    [
      "Buckets",
      buckets.map(
        (b) =>
          [
            "Bucket",
            [
              ["Name", b.name],
              ["CreationDate", isoTime(b.createdAt)],
            ],
          ] as const,
      ),
    ],
  ]);
}

export async function createBucket(
  deps: BucketApiDeps,
  bucket: string,
  body: AsyncIterable<Buffer>,
): Promise<HttpResult> {
  const text = (await readSmallBody(body, 64 * 1024)).trim();
  let region = deps.defaultRegion;
  if (text !== "") {
    const doc = parseXml(text);
    if (doc.name !== "CreateBucketConfiguration")
      throw s3Error(
        "malformedXml",
        "The XML you provided was not well-formed or did not validate against our published schema",
      );
    const constraint = childText(doc, "LocationConstraint");
    if (constraint) region = constraint;
    for (const unsupported of ["Location", "Bucket", "Tags"]) {
      if (childText(doc, unsupported) !== undefined)
        throw s3Error(
          "notImplemented",
          `Nimbus does not support ${unsupported} in CreateBucketConfiguration.`,
        );
    }
  }
  deps.objects.createBucket(bucket, region);
  return { status: 200, headers: { location: `/${bucket}` } };
}

export function headBucket(deps: BucketApiDeps, bucket: string): HttpResult {
  const record = deps.objects.bucket(bucket);
  return {
    status: 200,
    headers: { "x-amz-bucket-region": record.region, "x-amz-access-point-alias": "false" },
  };
}

export async function deleteBucket(deps: BucketApiDeps, bucket: string): Promise<HttpResult> {
  await deps.objects.deleteBucket(bucket);
  return { status: 204 };
}

export function bucketLocation(deps: BucketApiDeps, bucket: string): HttpResult {
  const record = deps.objects.bucket(bucket);
  // us-east-1 is the empty constraint, for historical reasons.
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${record.region === "us-east-1" ? "" : record.region}</LocationConstraint>`;
  return { status: 200, headers: { "content-type": "application/xml" }, body };
}

export function getNotification(deps: BucketApiDeps, bucket: string): HttpResult {
  const record = deps.objects.bucket(bucket);
  return xmlResult("NotificationConfiguration", notificationConfigurationXml(deps.objects.rules(record)));
}

/**
 * PutBucketNotificationConfiguration: every destination is checked the way S3 does it, by
 * sending it the s3:TestEvent (queues, topics) or finding the function; any failure refuses the
 * whole configuration with InvalidArgument naming the destinations.
 */
export async function putNotification(
  deps: BucketApiDeps,
  bucket: string,
  body: AsyncIterable<Buffer>,
): Promise<HttpResult> {
  deps.objects.bucket(bucket);
  const rules = parseNotificationConfiguration(await readSmallBody(body, 256 * 1024), deps.newId);
  const failed: string[] = [];
  const test = deps.testEvent(bucket);
  for (const rule of rules) {
    try {
      await deps.validateDestination(rule.kind, rule.arn, test);
    } catch {
      failed.push(rule.arn);
    }
  }
  if (failed.length > 0) {
    throw s3Error("invalidArgument", "Unable to validate the following destination configurations", {
      ArgumentName: failed.join(", "),
      ArgumentValue: "Unable to validate destination",
    });
  }
  deps.objects.index.setNotification(bucket, rules.length > 0 ? JSON.stringify(rules) : undefined);
  return { status: 200 };
}

/** The fixed answers of sub-resources the CLI and SDK read (a private, unversioned bucket). */
export function bucketAcl(deps: BucketApiDeps, bucket: string): HttpResult {
  deps.objects.bucket(bucket);
  return xmlResult("AccessControlPolicy", aclChildren(deps.ownerId));
}

export function aclChildren(ownerId: string): XmlChildren {
  const owner: XmlChildren = [
    ["ID", ownerId],
    ["DisplayName", "nimbus"],
  ];
  return [
    ["Owner", owner],
    [
      "AccessControlList",
      [
        [
          "Grant",
          [
            ["Grantee", [...owner, ["Type", "CanonicalUser"]]],
            ["Permission", "FULL_CONTROL"],
          ],
        ],
      ],
    ],
  ];
}

export function bucketVersioning(deps: BucketApiDeps, bucket: string): HttpResult {
  deps.objects.bucket(bucket);
  return xmlResult("VersioningConfiguration", []);
}

/** ListObjects (v1) and ListObjectsV2. */
export function listObjects(deps: BucketApiDeps, req: AwsRequest, bucket: string): HttpResult {
  const q = req.query;
  const v2 = q.get("list-type") === "2";
  if (q.has("list-type") && !v2)
    throw s3Error("invalidArgument", "Invalid List Type specified", { ArgumentName: "list-type" });
  const encodingType = q.get("encoding-type") ?? undefined;
  if (encodingType !== undefined && encodingType !== "url") {
    throw s3Error("invalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
    });
  }
  const maxRaw = q.get("max-keys");
  if (maxRaw !== null && !/^\d+$/.test(maxRaw)) {
    throw s3Error("invalidArgument", "Provided max-keys not an integer or within integer range", {
      ArgumentName: "max-keys",
    });
  }
  const maxKeys = Math.min(1000, maxRaw === null ? 1000 : Number(maxRaw));
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") || undefined;
  const token = q.get("continuation-token");
  const startAfter = q.get("start-after") ?? undefined;
  const marker = q.get("marker") ?? undefined;
  let after: string | undefined;
  if (v2 && token !== null) {
    after = Buffer.from(token, "base64url").toString("utf8");
    if (token === "" || Buffer.from(after, "utf8").toString("base64url") !== token) {
      throw s3Error("invalidArgument", "The continuation token provided is incorrect", {
        ArgumentName: "continuation-token",
      });
    }
  } else {
    after = v2 ? startAfter : marker;
  }
  const result = deps.objects.list(bucket, { prefix, delimiter, maxKeys, after });
  const enc = (value: string) => (encodingType === "url" ? s3UrlEncode(value) : value);
  const contents: XmlChildren = result.contents.map((o) => [
    "Contents",
    [
      ["Key", enc(o.key)],
      ["LastModified", isoTime(o.lastModified)],
      ["ETag", o.etag],
      ["Size", o.sizeBytes],
      ["StorageClass", "STANDARD"],
      // V2 names the owner only when asked (fetch-owner=true).
      ...(v2 && q.get("fetch-owner") !== "true"
        ? []
        : ([
            [
              "Owner",
              [
                ["ID", deps.ownerId],
                ["DisplayName", "nimbus"],
              ],
            ],
          ] as XmlChildren)),
    ],
  ]);
  const prefixes: XmlChildren = result.commonPrefixes.map((p) => ["CommonPrefixes", [["Prefix", enc(p)]]]);
  const head: XmlChildren = [
    ["Name", bucket],
    ["Prefix", enc(prefix)],
  ];
  if (v2) {
    const next =
      result.isTruncated && result.last !== undefined
        ? Buffer.from(result.last, "utf8").toString("base64url")
        : undefined;
    return xmlResult("ListBucketResult", [
      ...head,
      ["Delimiter", delimiter === undefined ? undefined : enc(delimiter)],
      ["MaxKeys", maxKeys],
      ["EncodingType", encodingType],
      ["KeyCount", result.contents.length + result.commonPrefixes.length],
      ["IsTruncated", result.isTruncated],
      ["ContinuationToken", token ?? undefined],
      ["NextContinuationToken", next],
      ["StartAfter", startAfter === undefined ? undefined : enc(startAfter)],
      ...contents,
      ...prefixes,
    ]);
  }
  return xmlResult("ListBucketResult", [
    ...head,
    ["Marker", enc(marker ?? "")],
    [
      "NextMarker",
      result.isTruncated && delimiter !== undefined && result.last !== undefined
        ? enc(result.last)
        : undefined,
    ],
    ["MaxKeys", maxKeys],
    ["Delimiter", delimiter === undefined ? undefined : enc(delimiter)],
    ["EncodingType", encodingType],
    ["IsTruncated", result.isTruncated],
    ...contents,
    ...prefixes,
  ]);
}

export type { EventContext };
