import type { AwsRequest } from "../../aws/http-types.js";
import { readJsonBody } from "../../aws/rest-json.js";
import { httpApiError } from "./errors.js";

/**
 * The JSON body of an API Gateway v2 call, read member by member (camelCase wire names). A bad
 * type is a BadRequestException naming the member; `refuse` turns members Nimbus does not apply
 * into one too, so nothing is accepted and ignored.
 */
export class WireInput {
  readonly body: Record<string, unknown>;

  constructor(req: AwsRequest) {
    this.body = readJsonBody(req);
  }

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  str(name: string): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw invalid(name, "a string");
    return value;
  }

  required(name: string): string {
    const value = this.str(name);
    if (value === undefined || value === "") {
      throw httpApiError.badRequest(`Invalid input: ${name} is required.`);
    }
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw invalid(name, "a boolean");
    return value;
  }

  int(name: string, min: number, max: number): number | undefined {
    return intIn(this.body[name], name, min, max);
  }

  list(name: string): string[] | undefined {
    return stringList(this.body[name], name);
  }

  map(name: string): Record<string, string> | undefined {
    return stringMap(this.body[name], name);
  }

  object(name: string): Record<string, unknown> | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw invalid(name, "an object");
    return value as Record<string, unknown>;
  }

  /** Refuses each named member that is present (AWS features Nimbus does not apply). */
  refuse(...names: string[]): void {
    for (const name of names) if (this.has(name)) throw httpApiError.unsupported(name);
  }
}

/** An integer member within bounds, or undefined when absent. */
export function intIn(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw httpApiError.badRequest(`Invalid input: ${name} must be an integer between ${min} and ${max}.`);
  }
  return value;
}

export function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw invalid(name, "a list of strings");
  return value as string[];
}

export function stringMap(value: unknown, name: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(name, "a map of strings");
  for (const v of Object.values(value)) if (typeof v !== "string") throw invalid(name, "a map of strings");
  return value as Record<string, string>;
}

function invalid(name: string, what: string) {
  return httpApiError.badRequest(`Invalid input: ${name} must be ${what}.`);
}

/** Cuts a sorted list into a page: `nextToken` is the last id given. */
export function page<T>(
  items: T[],
  idOf: (item: T) => string,
  req: AwsRequest,
): { items: T[]; nextToken?: string } {
  const max = intIn(
    req.query.get("maxResults") === null ? undefined : Number(req.query.get("maxResults")),
    "maxResults",
    1,
    500,
  );
  const after = req.query.get("nextToken");
  const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const start = after ? sorted.findIndex((i) => idOf(i) > after) : 0;
  const rest = start === -1 ? [] : sorted.slice(start);
  const limit = max ?? 500;
  const out = rest.slice(0, limit);
  const last = out[out.length - 1];
  return rest.length > limit && last ? { items: out, nextToken: idOf(last) } : { items: out };
}
