import type { ByteRange } from "../storage/object-store.js";
import { s3Error } from "./errors.js";

/**
 * Reads a `Range: bytes=...` header against an object of `size` bytes. Returns undefined for
 * the whole object (no header, or one S3 ignores: another unit, several ranges, bad syntax),
 * or the inclusive range; a syntactically valid range that starts past the end is InvalidRange.
 */
export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m) return undefined;
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0) throw unsatisfiable(size);
    if (size === 0) throw unsatisfiable(size);
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return undefined;
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number) {
  return s3Error("invalidRange", "The requested range is not satisfiable", {
    ActualObjectSize: String(size),
    RangeRequested: "",
  });
}
