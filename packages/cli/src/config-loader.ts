import { readFile } from "node:fs/promises";
import type { NimbusOptions } from "@nimbus/platform";

export interface ServerFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  auth?: boolean;
  authKey?: string[];
  isolation?: string;
  logLevel?: string;
  region?: string;
  prestart?: string;
  asyncRetryDelayScale?: string;
}

type Section = Record<string, unknown>;

/**
 * Builds the server options with the documented precedence:
 * defaults < config file (JSON) < NIMBUS_* environment < command-line flags.
 * The platform validates the result and reports every problem at once.
 */
export async function loadServerOptions(flags: ServerFlags, env: NodeJS.ProcessEnv): Promise<NimbusOptions> {
  const fromFile: Record<string, Section> = flags.config ? await readConfigFile(flags.config) : {};
  const layers = [fromFile, fromEnv(env), fromFlags(flags)];
  const merged: Record<string, Section> = {};
  for (const layer of layers) {
    for (const [section, values] of Object.entries(layer)) {
      merged[section] = { ...(merged[section] ?? {}), ...values };
    }
  }
  return merged as NimbusOptions;
}

async function readConfigFile(path: string): Promise<Record<string, Section>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, Section>;
  } catch (error) {
    throw new Error(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, Section> {
  const out: Record<string, Section> = {};
  const set = (section: string, key: string, value: unknown) => {
    out[section] = { ...(out[section] ?? {}), [key]: value };
  };
  if (env.NIMBUS_PORT) set("server", "port", toNumber(env.NIMBUS_PORT));
  if (env.NIMBUS_HOST) set("server", "host", env.NIMBUS_HOST);
  if (env.NIMBUS_DATA_DIR) set("server", "dataDir", env.NIMBUS_DATA_DIR);
  if (env.NIMBUS_REGION) set("account", "region", env.NIMBUS_REGION);
  if (env.NIMBUS_AUTH) set("auth", "enabled", env.NIMBUS_AUTH === "true" || env.NIMBUS_AUTH === "1");
  if (env.NIMBUS_AUTH_KEYS) set("auth", "credentials", parseKeys(env.NIMBUS_AUTH_KEYS.split(",")));
  if (env.NIMBUS_ISOLATION) set("sandbox", "isolation", env.NIMBUS_ISOLATION);
  if (env.NIMBUS_PRESTART) set("sandbox", "prestart", { initial: toNumber(env.NIMBUS_PRESTART) });
  if (env.NIMBUS_LOG_LEVEL) set("log", "level", env.NIMBUS_LOG_LEVEL);
  if (env.NIMBUS_ASYNC_RETRY_DELAY_SCALE)
    set("async", "retryDelayScale", toNumber(env.NIMBUS_ASYNC_RETRY_DELAY_SCALE));
  return out;
}

function fromFlags(flags: ServerFlags): Record<string, Section> {
  const out: Record<string, Section> = {};
  const set = (section: string, key: string, value: unknown) => {
    if (value === undefined) return;
    out[section] = { ...(out[section] ?? {}), [key]: value };
  };
  set("server", "port", flags.port === undefined ? undefined : toNumber(flags.port));
  set("server", "host", flags.host);
  set("server", "dataDir", flags.dataDir);
  set("account", "region", flags.region);
  if (flags.authKey && flags.authKey.length > 0) {
    set("auth", "credentials", parseKeys(flags.authKey));
    set("auth", "enabled", true);
  }
  if (flags.auth) set("auth", "enabled", true);
  set("sandbox", "isolation", flags.isolation);
  if (flags.prestart !== undefined) set("sandbox", "prestart", { initial: toNumber(flags.prestart) });
  set("log", "level", flags.logLevel);
  if (flags.asyncRetryDelayScale !== undefined)
    set("async", "retryDelayScale", toNumber(flags.asyncRetryDelayScale));
  return out;
}

function parseKeys(values: string[]): { accessKeyId: string; secretAccessKey: string }[] {
  return values.map((value) => {
    const i = value.indexOf(":");
    if (i <= 0 || i === value.length - 1)
      throw new Error(`Access key must be ACCESS_KEY_ID:SECRET, got "${value}"`);
    return { accessKeyId: value.slice(0, i), secretAccessKey: value.slice(i + 1) };
  });
}

function toNumber(value: string): number | string {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}
