import { decodePathPart } from "./s3-http.js";

/** The bucket and key a request addresses; both absent for the service (ListBuckets). */
export interface S3Address {
  bucket: string | undefined;
  key: string | undefined;
}

/** Hosts of other Nimbus traffic, never buckets. */
const FOREIGN_HOST = /(^|\.)(lambda-url|execute-api)\.|\.elb\.localhost$/;
/** `<bucket>.s3.<anything>` and `<bucket>.s3-<region>.<anything>` (AWS's and Nimbus's own names). */
const S3_HOST = /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.(?:localhost|amazonaws\.com|[a-z0-9-]+)$/;
/** `<bucket>.localhost`: what the SDK builds from an `http://localhost:<port>` endpoint. */
const LOCALHOST = /^(.+)\.localhost$/;

/**
 * The bucket named by a virtual-hosted-style Host (`photos.localhost`, `photos.s3.localhost`,
 * `photos.s3.us-east-1.amazonaws.com`), or undefined for path-style hosts (IP addresses,
 * `localhost`, `s3.localhost`) and the hosts of function URLs and API gateways.
 */
export function virtualHostBucket(hostname: string): string | undefined {
  const host = hostname.toLowerCase();
  if (FOREIGN_HOST.test(host) || /^[\d.]+$/.test(host) || host.startsWith("[")) return undefined;
  const s3 = S3_HOST.exec(host);
  if (s3?.[1]) return s3[1];
  const local = LOCALHOST.exec(host);
  if (local?.[1] && local[1] !== "s3" && !local[1].startsWith("s3.") && !local[1].startsWith("s3-")) {
    return local[1];
  }
  return undefined;
}

/** Reads bucket and key from Host and path (virtual-hosted first, then path-style). */
export function s3Address(hostname: string, rawPath: string): S3Address {
  const vhost = virtualHostBucket(hostname);
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (vhost !== undefined) return { bucket: vhost, key: path === "" ? undefined : decodePathPart(path) };
  if (path === "") return { bucket: undefined, key: undefined };
  const slash = path.indexOf("/");
  if (slash === -1) return { bucket: decodePathPart(path), key: undefined };
  const key = path.slice(slash + 1);
  return { bucket: decodePathPart(path.slice(0, slash)), key: key === "" ? undefined : decodePathPart(key) };
}
