import { deflateRawSync } from "node:zlib";
import type { ProviderContext } from "../../model.js";
import { invalid } from "./provider-support.js";

/**
 * The archive of a CloudFormation `Code` / `Content` property, base64 for the Lambda API's
 * `ZipFile`: read from Nimbus's own buckets (`S3Bucket`, `S3Key`, `S3ObjectVersion`), or built
 * from inline source (`ZipFile`, functions only).
 */
export async function archiveOf(
  ctx: ProviderContext,
  type: string,
  property: string,
  code: Record<string, unknown> | undefined,
  runtime: string | undefined,
): Promise<string> {
  if (code === undefined) throw invalid(type, property, "is required");
  for (const member of ["ImageUri", "SourceKMSKeyArn", "S3ObjectStorageMode"]) {
    if (code[member] !== undefined) {
      throw invalid(type, `${property}.${member}`, "is not supported by Nimbus (zip archives only)");
    }
  }
  if (code.ZipFile !== undefined) {
    if (property !== "Code") throw invalid(type, `${property}.ZipFile`, "is not a property of this type");
    if (typeof code.ZipFile !== "string") throw invalid(type, "Code.ZipFile", "must be a string");
    return inlineArchive(type, code.ZipFile, runtime).toString("base64");
  }
  const bucket = code.S3Bucket;
  const key = code.S3Key;
  if (typeof bucket !== "string" || typeof key !== "string") {
    throw invalid(type, property, "needs S3Bucket and S3Key (or ZipFile)");
  }
  const version = code.S3ObjectVersion;
  const query = typeof version === "string" ? `?versionId=${encodeURIComponent(version)}` : "";
  const path = `/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}${query}`;
  const object = await ctx.api.s3("GET", path);
  return object.body.toString("base64");
}

/**
 * CloudFormation's inline `ZipFile` is source text: AWS stores it as `index.js` (Node.js
 * runtimes) or `index.py` (Python) in a zip. AWS also adds its `cfn-response` module next to it
 * for custom resources; Nimbus does not (custom resources are not supported).
 */
export function inlineArchive(type: string, source: string, runtime: string | undefined): Buffer {
  let file: string;
  if (runtime?.startsWith("nodejs")) file = "index.js";
  else if (runtime?.startsWith("python")) file = "index.py";
  else
    throw invalid(
      type,
      "Code.ZipFile",
      "can only be used when Runtime is set to a Node.js or Python runtime",
    );
  return zipOne(file, Buffer.from(source, "utf8"));
}

/** A zip archive of one file (deflated, mode 0644), as `zip` would write it. */
export function zipOne(name: string, content: Buffer): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  const data = deflateRawSync(content);
  const crc = crc32(content);
  // DOS time/date for 1980-01-01 00:00: archives are byte-identical for identical source, so an
  // unchanged template keeps its CodeSha256 (and publishes no new version).
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x0800, 6); // UTF-8 names
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(dosTime, 10);
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(dosTime, 12);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt16LE(0, 30); // extra
  central.writeUInt16LE(0, 32); // comment
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attributes
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external: regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // local header offset
  const centralOffset = local.length + nameBytes.length + data.length;
  const centralSize = central.length + nameBytes.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
