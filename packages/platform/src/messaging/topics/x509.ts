import { type KeyObject, sign } from "node:crypto";

/**
 * A minimal self-signed X.509 v3 certificate (DER built by hand: Node can read certificates but
 * not write them). Enough for SNS message verification: subject and issuer are one common name,
 * the key is RSA, the signature sha256WithRSAEncryption, no extensions.
 */
export interface CertificateOptions {
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  /** Epoch ms. */
  notBefore: number;
  notAfter: number;
  /** Positive serial number bytes. */
  serial: Buffer;
}

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const COMMON_NAME = "2.5.4.3";

export function selfSignedCertificatePem(options: CertificateOptions): string {
  const algorithm = sequence(oid(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
  const name = sequence(set(sequence(oid(COMMON_NAME), tlv(0x0c, Buffer.from(options.commonName, "utf8")))));
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(options.serial),
    algorithm,
    name,
    sequence(time(options.notBefore), time(options.notAfter)),
    name,
    options.publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, options.privateKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function integer(value: Buffer): Buffer {
  // DER integers are signed: a leading 0 keeps a high first bit positive.
  const first = value[0] ?? 0;
  return tlv(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const bytes = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime before 2050, GeneralizedTime after, as RFC 5280 requires. */
function time(epochMs: number): Buffer {
  const iso = new Date(epochMs).toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = new Date(epochMs).getUTCFullYear();
  return year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(digits, "ascii"));
}
