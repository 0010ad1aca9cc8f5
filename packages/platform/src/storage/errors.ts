import { PlatformError } from "../core/errors.js";

export const STORAGE_ERRORS = {
  conflict: "ERR_STORAGE_CONFLICT",
  corrupt: "ERR_STORAGE_CORRUPT",
  notFound: "ERR_STORAGE_NOT_FOUND",
} as const;

export class MetadataConflictError extends PlatformError {
  constructor(kind: string, key: string) {
    super({
      code: STORAGE_ERRORS.conflict,
      message: `Concurrent change to ${kind} ${key}`,
      kind: "user",
      status: 409,
    });
  }
}

/** A write addressed something that does not exist (a log stream that was never created). */
export class StorageNotFoundError extends PlatformError {
  constructor(what: string) {
    super({ code: STORAGE_ERRORS.notFound, message: `${what} does not exist`, kind: "user", status: 404 });
  }
}
