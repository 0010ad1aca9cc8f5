import { z } from "zod";

/**
 * The effective configuration: one zod schema of per-area sections. Precedence (applied by
 * `loadConfig`): defaults < config file < NIMBUS_* environment < CLI flags.
 */
export const configSchema = z.object({
  server: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(4566),
      dataDir: z.string().default(".nimbus"),
      /** Largest request body accepted (ZipFile uploads arrive base64 in JSON). */
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(80 * 1024 * 1024),
    })
    .prefault({}),
  account: z
    .object({
      region: z.string().default("us-east-1"),
      accountId: z
        .string()
        .regex(/^\d{12}$/)
        .default("000000000000"),
    })
    .prefault({}),
  auth: z
    .object({
      /** When true, only the configured keys are accepted and signatures are verified. */
      enabled: z.boolean().default(false),
      credentials: z
        .array(z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }))
        .default([]),
    })
    .prefault({}),
  functions: z
    .object({
      maxZipBytes: z.number().int().positive().default(52_428_800),
      maxUnzippedBytes: z.number().int().positive().default(262_144_000),
      maxEnvironmentBytes: z.number().int().positive().default(4096),
      maxSyncPayloadBytes: z.number().int().positive().default(6_291_456),
      maxSyncResponseBytes: z.number().int().positive().default(6_291_456),
      accountConcurrency: z.number().int().positive().default(1000),
    })
    .prefault({}),
  sandbox: z
    .object({
      /** `auto` uses bubblewrap when it is installed, else plain processes (loudly). */
      isolation: z.enum(["auto", "bubblewrap", "process"]).default("auto"),
      /** Idle environments shut down after this long. */
      idleTimeoutMs: z.number().int().positive().default(300_000),
      initTimeoutMs: z.number().int().positive().default(10_000),
      maxProcesses: z.number().int().positive().default(1024),
      /**
       * Nice value of function processes (0-19; 0 = the platform's priority, the default): with
       * a higher value the request path goes before function code when the CPUs are busy
       * (sandbox/priority.ts), at the price of tail latency under load.
       */
      functionNice: z.number().int().min(0).max(19).default(0),
      /** Interpreter per runtime family; the host's by default. */
      interpreters: z
        .object({ node: z.string().default("node"), python: z.string().default("python3") })
        .prefault({}),
      bwrapPath: z.string().default("bwrap"),
      /**
       * Pre-started generic environments per runtime family (docs/prestarted-pool.md): how many
       * at first (0 turns the pool off) and at most, as demand grows.
       */
      prestart: z
        .object({
          initial: z.number().int().min(0).max(64).default(1),
          max: z.number().int().min(0).max(64).default(4),
          decayMs: z.number().int().positive().default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
  workflows: z
    .object({
      /** A Standard execution fails with States.Runtime once its history holds this many events. */
      maxHistoryEvents: z.number().int().min(10).default(25_000),
      /** Execution input, state input/output and task results, in UTF-8 bytes. */
      maxPayloadBytes: z.number().int().min(1024).default(262_144),
    })
    .prefault({}),
  /** Asynchronous invocation (docs/async-invocation.md). */
  async: z
    .object({
      /** Multiplies the retry delays after function errors (about 1 and 2 minutes); 0.001 in tests. */
      retryDelayScale: z.number().min(0).max(1000).default(1),
      /** Async events handled at once over all functions (each still within its function's concurrency). */
      maxParallel: z.number().int().min(1).max(1000).default(32),
      /** Invoke with InvocationType Event (AWS: 1 MB). */
      maxEventPayloadBytes: z.number().int().positive().default(1_048_576),
      /** The deprecated InvokeAsync (AWS: 256 KB). */
      maxInvokeAsyncPayloadBytes: z.number().int().positive().default(262_144),
    })
    .prefault({}),
  /** Event source mappings (docs/event-source-mappings.md, Scaling). */
  sources: z
    .object({
      /** Concurrent batches a mapping starts with (AWS: 5). */
      initialConcurrency: z.number().int().min(1).max(1000).default(2),
      /** Most concurrent batches of a mapping without ScalingConfig.MaximumConcurrency (AWS: 1000). */
      maxConcurrency: z.number().int().min(1).max(1000).default(20),
    })
    .prefault({}),
  /** Event buses, scheduled rules and EventBridge Scheduler (docs/event-buses.md, docs/schedules.md). */
  events: z
    .object({
      /** Events and target deliveries handled at once. */
      maxParallel: z.number().int().min(1).max(1000).default(16),
      /** First retry delay of a failed target delivery; doubles per attempt (AWS backs off exponentially). */
      retryBaseDelayMs: z.number().int().min(0).default(1000),
      maxRetryDelayMs: z.number().int().min(0).default(300_000),
      /** A slot missed while the server was down fires at start-up if it is at most this old (OFF windows, rules). */
      missedSlotGraceMs: z.number().int().min(0).default(900_000),
    })
    .prefault({}),
  /** API gateways (docs/http-apis.md). */
  gateway: z
    .object({
      /** HTTP API integration timeout when an integration gives no TimeoutInMillis (AWS: 30 s). */
      integrationTimeoutMs: z.number().int().min(50).max(30_000).default(30_000),
    })
    .prefault({}),
  /** Stack deploys: CloudFormation and SAM (docs/stacks.md). */
  stacks: z
    .object({
      /** Unsupported resource types and properties fail the deploy instead of being listed. */
      strict: z.boolean().default(false),
      /** Independent resources applied at once. */
      parallel: z.number().int().min(1).max(64).default(4),
      /** Stack operation calls answer when the operation ends or after this long (0: at once, as AWS). */
      answerAfterMs: z.number().int().min(0).max(60_000).default(5000),
    })
    .prefault({}),
  log: z
    .object({ level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info") })
    .prefault({}),
});

export type NimbusConfig = z.infer<typeof configSchema>;
export type NimbusOptions = z.input<typeof configSchema>;

/** Validates options into a frozen config, reporting every problem at once. */
export function parseConfig(options: unknown): Readonly<NimbusConfig> {
  const result = configSchema.safeParse(options ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`Invalid Nimbus configuration:\n${problems.join("\n")}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
