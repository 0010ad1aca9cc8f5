import type { Readable } from "node:stream";

/** What `ObjectStore.write` stored: an opaque id plus the digests computed while streaming. */
export interface StoredObjectBytes {
  /** Opaque id of the stored bytes (not the object key: a key's bytes change on overwrite). */
  id: string;
  sizeBytes: number;
  md5Hex: string;
  /** Only when the write asked for it (`sha256: true`): hashing costs as much as the disk. */
  sha256Hex?: string | undefined;
  /** Only when asked (`crc32: true`): the CRC32 of the bytes, unsigned. */
  crc32?: number | undefined;
}

export interface WriteOptions {
  /** Also compute the SHA-256 of the bytes. */
  sha256?: boolean;
  /** Also compute the CRC32 of the bytes. */
  crc32?: boolean;
}

/** An inclusive byte range, as HTTP Range requests name it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The bytes of bucket objects and multipart parts, streamed to and from durable storage. Keys,
 * sizes and metadata live in the object index (SQLite); this store holds only bytes under ids,
 * so an overwrite writes new bytes, swaps the index row and deletes the old bytes afterwards.
 *
 * `write` never holds the whole object in memory and resolves only once the bytes are durable
 * (fsynced and renamed into place): the caller acknowledges the upload after that. The contract
 * suite is `object-store.contract.ts`; every backend must pass it.
 */
export interface ObjectStore {
  /** Streams `source` to storage, hashing MD5 (and SHA-256 when asked) on the way. */
  write(source: Readable | AsyncIterable<Buffer>, options?: WriteOptions): Promise<StoredObjectBytes>;
  /** Stores the concatenation of existing ids (multipart completion), streamed. */
  concat(ids: readonly string[]): Promise<StoredObjectBytes>;
  /** A stream of the bytes (or of an inclusive range); undefined when the id does not exist. */
  open(id: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Deletes the bytes; deleting an absent id is not an error. */
  delete(id: string): Promise<void>;
  /** Ids present (crash recovery: bytes no index row refers to are garbage). */
  list(): Promise<string[]>;
  close(): Promise<void>;
}
