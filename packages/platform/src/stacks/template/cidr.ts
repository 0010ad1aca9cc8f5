import { templateError } from "./errors.js";

/**
 * Fn::Cidr: `count` consecutive subnets of `cidrBits` host bits (a `/(32 - cidrBits)` for IPv4,
 * `/(128 - cidrBits)` for IPv6) carved from the start of `ipBlock`.
 * CloudFormation's exact messages for bad arguments are not documented; ours name the problem.
 */
export function cidr(ipBlock: string, count: number, cidrBits: number): string[] {
  const slash = ipBlock.indexOf("/");
  const address = slash < 0 ? ipBlock : ipBlock.slice(0, slash);
  const prefixText = slash < 0 ? "" : ipBlock.slice(slash + 1);
  const v6 = address.includes(":");
  const width = v6 ? 128 : 32;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  const parsed = v6 ? parseIpv6(address) : parseIpv4(address);
  if (parsed === undefined || !(prefix >= 0 && prefix <= width)) {
    throw templateError.evaluation(`Fn::Cidr ipBlock ${ipBlock} is not a valid CIDR block`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw templateError.evaluation(`Fn::Cidr count ${count} must be between 1 and 256`);
  }
  const subnetPrefix = width - cidrBits;
  if (!Number.isInteger(cidrBits) || cidrBits < 0 || subnetPrefix < prefix) {
    throw templateError.evaluation(`Fn::Cidr cidrBits ${cidrBits} does not fit in ${ipBlock}`);
  }
  if (BigInt(count) > 1n << BigInt(subnetPrefix - prefix)) {
    throw templateError.evaluation(
      `Fn::Cidr ${ipBlock} holds fewer than ${count} subnets of /${subnetPrefix}`,
    );
  }
  const bits = BigInt(width);
  const hostMask = (1n << (bits - BigInt(prefix))) - 1n;
  const network = parsed & ~hostMask & ((1n << bits) - 1n);
  const step = 1n << BigInt(cidrBits);
  const out: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const subnet = network + i * step;
    out.push(`${v6 ? formatIpv6(subnet) : formatIpv4(subnet)}/${subnetPrefix}`);
  }
  return out;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
