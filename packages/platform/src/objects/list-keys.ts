import type { ObjectRecord } from "../storage/sqlite/sqlite-object-index.js";

/** Rows with key >= `from` and key > `after` (when given), in key order, at most `limit`. */
export type KeyScan = (from: string, after: string | undefined, limit: number) => ObjectRecord[];

export interface ListKeysOptions {
  prefix: string;
  delimiter: string | undefined;
  maxKeys: number;
  /** Exclusive start (start-after, marker, or the position a continuation token holds). */
  after: string | undefined;
}

export interface ListKeysResult {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts after. */
  last: string | undefined;
}

/** Largest code point: appended to a common prefix, it sorts after every key that starts with it. */
const AFTER_ALL = "\u{10FFFF}";
const BATCH = 1000;

/**
 * ListObjects(V2) semantics over an ordered key scan: keys under `prefix`, those with
 * `delimiter` after the prefix rolled up into common prefixes (each counted once against
 * max-keys), and whole rolled-up ranges skipped with one seek so a listing stays fast with
 * many keys under one prefix.
 */
export function listKeys(scan: KeyScan, options: ListKeysOptions): ListKeysResult {
  const { prefix, delimiter, maxKeys } = options;
  const contents: ObjectRecord[] = [];
  const commonPrefixes: string[] = [];
  let after = options.after !== undefined && options.after >= prefix ? options.after : undefined;
  if (after !== undefined && delimiter) {
    // Resuming inside a rolled-up prefix: that prefix was returned already, skip all of it.
    const at = after.indexOf(delimiter, prefix.length);
    if (at !== -1) after = after.slice(0, at + delimiter.length) + AFTER_ALL;
  }
  let last: string | undefined;
  const count = () => contents.length + commonPrefixes.length;

  for (;;) {
    const limit = count() >= maxKeys ? 1 : Math.min(BATCH, maxKeys - count() + 1);
    const rows = scan(prefix, after, limit);
    let seeked = false;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) return { contents, commonPrefixes, isTruncated: false, last };
      if (count() >= maxKeys) return { contents, commonPrefixes, isTruncated: true, last };
      const at = delimiter ? row.key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && at !== -1) {
        const common = row.key.slice(0, at + delimiter.length);
        commonPrefixes.push(common);
        last = common;
        after = common + AFTER_ALL;
        seeked = true;
        break;
      }
      contents.push(row);
      last = row.key;
      after = row.key;
    }
    if (!seeked && rows.length < limit) return { contents, commonPrefixes, isTruncated: false, last };
  }
}
