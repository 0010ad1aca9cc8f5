import { Option } from "commander";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:4566";

/** Flags every command that talks to a server takes. */
export interface ServerFlags {
  endpoint?: string;
  output?: string;
}

/** `--endpoint <url>`: default $NIMBUS_ENDPOINT, else http://127.0.0.1:4566. */
export function endpointOption(): Option {
  return new Option("--endpoint <url>", "the Nimbus server to talk to").default(
    process.env.NIMBUS_ENDPOINT || DEFAULT_ENDPOINT,
    "$NIMBUS_ENDPOINT or http://127.0.0.1:4566",
  );
}

export function resolveEndpoint(flags: { endpoint?: string | undefined }): string {
  return (flags.endpoint || process.env.NIMBUS_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, "");
}

/** Region from AWS_REGION (or AWS_DEFAULT_REGION), else us-east-1. */
export function resolveRegion(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
}

/**
 * Credentials from the environment, else `test`/`test` (a Nimbus server without `--auth`
 * accepts any key; with `--auth` the environment must name a configured one).
 */
export function resolveCredentials(): {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
} {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID || "test";
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY || "test";
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
