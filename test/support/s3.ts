import { createHash } from "node:crypto";
import type { S3ServiceException } from "@aws-sdk/client-s3";

/** The S3 error a call fails with; fails the test when the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error("expected the call to fail");
}

/** Hex MD5, as S3's ETags of single-part objects carry it. */
export const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");
