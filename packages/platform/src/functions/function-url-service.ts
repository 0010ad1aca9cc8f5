import { randomBytes } from "node:crypto";
import { type AccountScope, parseFunctionRef } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import { isPlatformError, PlatformError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { MetadataStore, StoredDocument } from "../storage/metadata-store.js";
import { FUNCTIONS_ERRORS, functionsError } from "./errors.js";
import type { FunctionRecord } from "./function-model.js";
import type { FunctionService } from "./function-service.js";

/** URL configurations by url-id (the data plane's lookup). */
export const KIND_FUNCTION_URL = "function-url";
/** `<function name>/<alias or empty>` -> url-id (the control plane's lookup, sorted per function). */
export const KIND_FUNCTION_URL_REF = "function-url-ref";

export type FunctionUrlAuthType = "NONE" | "AWS_IAM";

/** CORS settings of a function URL (AWS `Cors`), as given. */
export interface FunctionUrlCors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAgeSec?: number;
}

/** One function URL: a url-id bound to a function, or to one of its aliases. */
export interface FunctionUrlConfig {
  /** 32 lowercase letters and digits, the first label of the URL's host. */
  urlId: string;
  functionName: string;
  /** The alias the URL invokes; absent for the unqualified function ($LATEST). */
  qualifier?: string;
  authType: FunctionUrlAuthType;
  cors?: FunctionUrlCors;
  /** Only BUFFERED exists in this version (RESPONSE_STREAM is refused). */
  invokeMode: "BUFFERED";
  createdAt: number;
  lastModifiedAt: number;
  /** `createdAt` of the function it belongs to: a function deleted and created again does not inherit it. */
  functionCreatedAt: number;
}

export interface CreateFunctionUrlInput {
  authType: FunctionUrlAuthType;
  cors?: FunctionUrlCors | undefined;
}

export interface UpdateFunctionUrlInput {
  /** Members left undefined keep their current value. */
  authType?: FunctionUrlAuthType | undefined;
  cors?: FunctionUrlCors | undefined;
}

const URL_ID_LENGTH = 32;
const URL_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const URL_ID = /^[a-z0-9]{32}$/;
const QUALIFIER_PATTERN = "((?!^\\d+$)^[0-9a-zA-Z-_]+$)";
const QUALIFIER_MODEL_PATTERN = "(^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))";
const FUNCTION_MISSING = "Function does not exist";
const CONFIG_MISSING = "The resource you requested does not exist.";

/**
 * Function URL configurations (CreateFunctionUrlConfig and friends). Stored as two documents
 * written together: the configuration keyed by url-id, which the data plane reads on every
 * request, and a reference keyed by function and alias for the control plane. A URL goes away
 * with its function (and with its alias): `onChange` sweeps, and lookups check lazily.
 */
export class FunctionUrlService {
  private readonly sweeps = new Set<Promise<void>>();

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    functions.onChange((name) => this.scheduleSweep(name));
  }

  /** The function ARN a configuration answers for (qualified when it names an alias). */
  functionArn(config: FunctionUrlConfig): string {
    return this.functions.arn(config.functionName, config.qualifier);
  }

  async create(
    functionRef: string,
    qualifierParam: string | undefined,
    input: CreateFunctionUrlInput,
  ): Promise<FunctionUrlConfig> {
    const { name, qualifier } = this.reference(functionRef, qualifierParam);
    const record = await this.requireFunction(name);
    if (qualifier !== undefined) await this.requireAlias(name, qualifier);
    const refKey = refKeyOf(name, qualifier);
    const existing = await this.load(name, qualifier, record);
    if (existing) {
      throw this.exists(name, qualifier);
    }
    const now = this.clock.now();
    const config: FunctionUrlConfig = {
      urlId: await this.newUrlId(),
      functionName: name,
      ...(qualifier === undefined ? {} : { qualifier }),
      authType: input.authType,
      ...(input.cors === undefined ? {} : { cors: input.cors }),
      invokeMode: "BUFFERED",
      createdAt: now,
      lastModifiedAt: now,
      functionCreatedAt: record.createdAt,
    };
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_FUNCTION_URL_REF,
          key: refKey,
          value: { urlId: config.urlId },
          expectRevision: "absent",
        },
        { op: "put", kind: KIND_FUNCTION_URL, key: config.urlId, value: config, expectRevision: "absent" },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw this.exists(name, qualifier);
      }
      throw error;
    }
    return config;
  }

  async get(functionRef: string, qualifierParam: string | undefined): Promise<FunctionUrlConfig> {
    const { name, qualifier } = this.reference(functionRef, qualifierParam);
    const record = await this.requireFunction(name, CONFIG_MISSING);
    const found = await this.load(name, qualifier, record);
    if (!found) throw functionsError.notFound(CONFIG_MISSING);
    return found.config.value;
  }

  async update(
    functionRef: string,
    qualifierParam: string | undefined,
    patch: UpdateFunctionUrlInput,
  ): Promise<FunctionUrlConfig> {
    const { name, qualifier } = this.reference(functionRef, qualifierParam);
    const record = await this.requireFunction(name);
    if (qualifier !== undefined) await this.requireAlias(name, qualifier);
    const found = await this.load(name, qualifier, record);
    if (!found) throw functionsError.notFound(CONFIG_MISSING);
    const current = found.config.value;
    const next: FunctionUrlConfig = {
      ...current,
      authType: patch.authType ?? current.authType,
      lastModifiedAt: this.clock.now(),
    };
    if (patch.cors !== undefined) next.cors = patch.cors;
    try {
      await this.store.write([
        {
          op: "put",
          kind: KIND_FUNCTION_URL,
          key: current.urlId,
          value: next,
          expectRevision: found.config.revision,
        },
      ]);
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        throw functionsError.conflict(
          `The operation cannot be performed at this time. An update is in progress for resource: ${this.functionArn(current)}`,
        );
      }
      throw error;
    }
    return next;
  }

  async delete(functionRef: string, qualifierParam: string | undefined): Promise<void> {
    const { name, qualifier } = this.reference(functionRef, qualifierParam);
    const record = await this.requireFunction(name, CONFIG_MISSING);
    const found = await this.load(name, qualifier, record);
    if (!found) throw functionsError.notFound(CONFIG_MISSING);
    await this.remove(found.ref, found.config);
  }

  /** The URLs of one function (unqualified first, then by alias), a page at a time. */
  async list(
    functionRef: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<{ items: FunctionUrlConfig[]; next?: string }> {
    const { name } = this.reference(functionRef, undefined);
    const record = await this.requireFunction(name);
    const page = await this.store.list<{ urlId: string }>(KIND_FUNCTION_URL_REF, {
      prefix: `${name}/`,
      ...(options.after === undefined ? {} : { after: options.after }),
      limit: options.limit,
    });
    const items: FunctionUrlConfig[] = [];
    for (const ref of page.items) {
      const doc = await this.store.get<FunctionUrlConfig>(KIND_FUNCTION_URL, ref.value.urlId);
      if (doc && doc.value.functionCreatedAt === record.createdAt) items.push(doc.value);
    }
    return page.nextAfter === undefined ? { items } : { items, next: page.nextAfter };
  }

  /**
   * The configuration a request's url-id names, or undefined when there is none, or when its
   * function or alias no longer exists (the hot path: one read, then the invoke path's cache).
   */
  async byUrlId(urlId: string): Promise<FunctionUrlConfig | undefined> {
    if (!URL_ID.test(urlId)) return undefined;
    const doc = await this.store.get<FunctionUrlConfig>(KIND_FUNCTION_URL, urlId);
    if (!doc) return undefined;
    try {
      await this.functions.resolve(doc.value.functionName, doc.value.qualifier);
    } catch (error) {
      if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) {
        this.scheduleSweep(doc.value.functionName);
        return undefined;
      }
      throw error;
    }
    return doc.value;
  }

  /** Resolves once every sweep started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sweeps.size > 0) await Promise.all([...this.sweeps]);
  }

  private scheduleSweep(name: string): void {
    const sweep = this.sweep(name)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, function: name }, "could not remove stale function URLs"),
      )
      .finally(() => this.sweeps.delete(sweep));
    this.sweeps.add(sweep);
  }

  /** Removes the URLs of `name` whose function (or alias) is gone. */
  private async sweep(name: string): Promise<void> {
    const refs = await this.store.list<{ urlId: string }>(KIND_FUNCTION_URL_REF, { prefix: `${name}/` });
    if (refs.items.length === 0) return;
    const record = await this.functions.getRecord(name).then(
      (r) => r.record,
      (error: unknown) => {
        if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) return undefined;
        throw error;
      },
    );
    for (const ref of refs.items) {
      const doc = await this.store.get<FunctionUrlConfig>(KIND_FUNCTION_URL, ref.value.urlId);
      if (doc && record && doc.value.functionCreatedAt === record.createdAt) {
        const qualifier = doc.value.qualifier;
        if (qualifier === undefined || (await this.aliasExists(name, qualifier))) continue;
      }
      await this.remove(ref, doc);
    }
  }

  private async remove(
    ref: StoredDocument<{ urlId: string }>,
    config: StoredDocument<FunctionUrlConfig> | undefined,
  ): Promise<void> {
    await this.store.write([
      { op: "delete", kind: KIND_FUNCTION_URL_REF, key: ref.key, expectRevision: ref.revision },
      ...(config
        ? [
            {
              op: "delete" as const,
              kind: KIND_FUNCTION_URL,
              key: config.key,
              expectRevision: config.revision,
            },
          ]
        : []),
    ]);
  }

  /** The current configuration for a function and qualifier; removes one left from an earlier function. */
  private async load(
    name: string,
    qualifier: string | undefined,
    record: FunctionRecord,
  ): Promise<
    { ref: StoredDocument<{ urlId: string }>; config: StoredDocument<FunctionUrlConfig> } | undefined
  > {
    const ref = await this.store.get<{ urlId: string }>(KIND_FUNCTION_URL_REF, refKeyOf(name, qualifier));
    if (!ref) return undefined;
    const config = await this.store.get<FunctionUrlConfig>(KIND_FUNCTION_URL, ref.value.urlId);
    if (config && config.value.functionCreatedAt === record.createdAt) return { ref, config };
    await this.remove(ref, config);
    return undefined;
  }

  private reference(
    functionRef: string,
    qualifierParam: string | undefined,
  ): { name: string; qualifier: string | undefined } {
    const ref = parseFunctionRef(functionRef);
    if (!ref || (ref.accountId !== undefined && ref.accountId !== this.scope.accountId)) {
      throw functionsError.notFound(FUNCTION_MISSING);
    }
    if (ref.qualifier !== undefined && qualifierParam !== undefined && ref.qualifier !== qualifierParam) {
      throw functionsError.invalid(
        "The derived qualifier from the function name does not match the specified qualifier.",
      );
    }
    const qualifier = ref.qualifier ?? qualifierParam;
    if (qualifier !== undefined) checkQualifier(qualifier);
    return { name: ref.name, qualifier };
  }

  private exists(name: string, qualifier: string | undefined): PlatformError {
    return functionsError.conflict(
      `Failed to create function url config for [functionArn = ${this.functions.arn(name, qualifier)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
    );
  }

  private async requireFunction(name: string, message = FUNCTION_MISSING): Promise<FunctionRecord> {
    try {
      return (await this.functions.getRecord(name)).record;
    } catch (error) {
      if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) {
        throw functionsError.notFound(message);
      }
      throw error;
    }
  }

  private async requireAlias(name: string, qualifier: string): Promise<void> {
    if (!(await this.aliasExists(name, qualifier))) throw functionsError.notFound(FUNCTION_MISSING);
  }

  private async aliasExists(name: string, qualifier: string): Promise<boolean> {
    try {
      await this.functions.resolve(name, qualifier);
      return true;
    } catch (error) {
      if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) return false;
      throw error;
    }
  }

  private async newUrlId(): Promise<string> {
    for (;;) {
      const id = randomUrlId();
      if (!(await this.store.get(KIND_FUNCTION_URL, id))) return id;
    }
  }
}

/** A function URL's host name: `<url-id>.lambda-url.<region>.localhost`. */
export function functionUrlHost(urlId: string, region: string): string {
  return `${urlId}.lambda-url.${region}.localhost`;
}

/** The FunctionUrl the control plane reports: the host form, on the port the caller used. */
export function functionUrlFor(urlId: string, region: string, port: string | undefined): string {
  return `http://${functionUrlHost(urlId, region)}${port ? `:${port}` : ""}/`;
}

/** 32 characters from a-z0-9, uniformly (bytes past the last full alphabet cycle are skipped). */
export function randomUrlId(): string {
  let id = "";
  const limit = 256 - (256 % URL_ID_ALPHABET.length);
  while (id.length < URL_ID_LENGTH) {
    for (const byte of randomBytes(URL_ID_LENGTH)) {
      if (byte >= limit) continue;
      id += URL_ID_ALPHABET[byte % URL_ID_ALPHABET.length];
      if (id.length === URL_ID_LENGTH) break;
    }
  }
  return id;
}

function refKeyOf(name: string, qualifier: string | undefined): string {
  return `${name}/${qualifier ?? ""}`;
}

/** A function URL's qualifier must be an alias: `$LATEST` and version numbers fail validation as on AWS. */
function checkQualifier(qualifier: string): void {
  let constraint: string | undefined;
  if (qualifier.length < 1) constraint = "Member must have length greater than or equal to 1";
  else if (qualifier.length > 128) constraint = "Member must have length less than or equal to 128";
  else if (qualifier === "$LATEST")
    constraint = `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`;
  else if (!/^[a-zA-Z0-9-_]+$/.test(qualifier) || /^\d+$/.test(qualifier))
    constraint = `Member must satisfy regular expression pattern: ${QUALIFIER_MODEL_PATTERN}`;
  if (constraint === undefined) return;
  throw new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message: `1 validation error detected: Value '${qualifier}' at 'qualifier' failed to satisfy constraint: ${constraint}`,
    status: 400,
    awsName: "ValidationException",
  });
}
