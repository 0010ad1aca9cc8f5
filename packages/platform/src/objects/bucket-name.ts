import { s3Error } from "./errors.js";

/**
 * S3's bucket naming rules (general purpose buckets): 3-63 characters of lower-case letters,
 * digits, dots and hyphens; starts and ends with a letter or digit; no adjacent dots; not an IP
 * address; none of the reserved prefixes and suffixes.
 */
export function validateBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem)
    throw s3Error("invalidBucketName", `The specified bucket is not valid. ${problem}`, { BucketName: name });
}

function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "Bucket names must be between 3 and 63 characters long.";
  if (!/^[a-z0-9.-]+$/.test(name)) {
    return "Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-).";
  }
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "Bucket names must begin and end with a letter or number.";
  if (name.includes("..")) return "Bucket names must not contain two adjacent periods.";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "Bucket names must not be formatted as an IP address.";
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name))
    return "Bucket names must not start with a reserved prefix.";
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) {
    return "Bucket names must not end with a reserved suffix.";
  }
  return undefined;
}
