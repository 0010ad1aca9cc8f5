import type { Command } from "commander";
import { outputOption } from "../../lib/output.js";
import { credentialsFromEnv, signedHeaders } from "./sign-request.js";

/** Options every `nimbus async ...` command takes. */
export interface EndpointFlags {
  endpoint?: string;
  json?: boolean;
  output?: string;
}

/** --json, or --output json. */
export function wantsJson(flags: EndpointFlags): boolean {
  return flags.json === true || flags.output === "json";
}

/** Adds --endpoint (default $NIMBUS_ENDPOINT, else http://127.0.0.1:4566), --output and --json. */
export function withEndpoint(command: Command, example: string): Command {
  return command
    .option("--endpoint <url>", "a running Nimbus server (default $NIMBUS_ENDPOINT or http://127.0.0.1:4566)")
    .addOption(outputOption())
    .option("--json", "same as --output json (default: off)")
    .addHelpText("after", `\nExample:\n  ${example}`);
}

/**
 * Calls the failure store's Nimbus API (docs/async-invocation.md) on a running server and
 * returns the decoded JSON; a non-2xx answer becomes an error carrying the server's message.
 * Signed with SigV4 when AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are set (servers run with
 * `--auth` require it).
 */
export async function callNimbus(flags: EndpointFlags, method: string, path: string): Promise<unknown> {
  const base = (flags.endpoint ?? process.env.NIMBUS_ENDPOINT ?? "http://127.0.0.1:4566").replace(/\/+$/, "");
  let res: Response;
  try {
    const url = new URL(`${base}${path}`);
    const credentials = credentialsFromEnv(process.env);
    const headers = credentials ? signedHeaders(method, url, credentials, new Date()) : {};
    res = await fetch(url, { method, headers });
  } catch (error) {
    throw new Error(`cannot reach Nimbus at ${base}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const message =
      typeof body === "object" && body !== null && "message" in body ? String(body.message) : text;
    const name = res.headers.get("x-amzn-errortype") ?? `HTTP ${res.status}`;
    throw new Error(`${name}: ${message}`);
  }
  return body;
}

/** The path of one failure. */
export function failurePath(id: string, suffix = ""): string {
  return `/_nimbus/async/failures/${encodeURIComponent(id)}${suffix}`;
}
