import type { Readable } from "node:stream";

/**
 * Content-addressed bytes (code archives, layer archives). Keys are lowercase hex SHA-256 of
 * the content, so the same archive uploaded twice is stored once.
 */
export interface BlobStore {
  /** Stores the bytes and returns their SHA-256 hex key. Durable when the promise resolves. */
  put(bytes: Buffer): Promise<string>;
  has(key: string): Promise<boolean>;
  get(key: string): Promise<Buffer | undefined>;
  /** A stream of the blob, or undefined when it does not exist. */
  open(key: string): Promise<Readable | undefined>;
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
