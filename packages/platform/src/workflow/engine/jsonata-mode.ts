import { createHash } from "node:crypto";
import jsonata from "jsonata";
import { isJsonObject, type Json, toJson } from "./json.js";
import { seededRandom } from "./random.js";
import { queryEvaluationError } from "./states-error.js";
import { isoTime } from "./timestamp.js";

/**
 * JSONata mode: strings that are exactly `{% expression %}` are evaluated with the official
 * `jsonata` package; everything else is a literal. Evaluation is made deterministic by binding
 * `$now`, `$millis`, `$random` and `$shuffle` to the injected clock and random source; `$eval`
 * is unavailable as in AWS. AWS's additions `$partition`, `$range`, `$hash`, `$random`, `$uuid`
 * and `$parse` are provided.
 */
const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** Whether a field value is exactly one `{% %}` expression. */
export function isJsonataExpression(value: unknown): value is string {
  return typeof value === "string" && EXPRESSION.test(value);
}

/** The inner text of `{% ... %}`. */
export function expressionBody(value: string): string {
  return (EXPRESSION.exec(value)?.[1] ?? "").trim();
}

/** What `$states` holds, plus the variables in scope and the injected sources. */
export interface JsonataScope {
  states: { input: Json; context: Json; result?: Json; errorOutput?: Json };
  variables: Record<string, Json>;
  now: number;
  random(): number;
  uuid(): string;
}

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};
const MAX_RANGE_ITEMS = 1000;

function bindings(scope: JsonataScope): Record<string, unknown> {
  const fromMillis = jsonata("$fromMillis($ms, $picture, $tz)");
  return {
    ...scope.variables,
    states: scope.states,
    now: (picture?: string, tz?: string) =>
      picture === undefined ? isoTime(scope.now) : fromMillis.evaluate({}, { ms: scope.now, picture, tz }),
    millis: () => scope.now,
    random: (seed?: number) => (seed === undefined ? scope.random() : seededRandom(Math.round(seed))),
    uuid: () => scope.uuid(),
    shuffle: (items: unknown) => {
      if (items === undefined) return undefined;
      const out = Array.isArray(items) ? [...items] : [items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(scope.random() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    eval: () => {
      throw new Error("The $eval function is not supported");
    },
    partition: (items: unknown, size: unknown) => {
      if (!Array.isArray(items)) throw new Error("$partition: the first argument must be an array");
      if (typeof size !== "number" || !Number.isInteger(size) || size <= 0) {
        throw new Error("$partition: the chunk size must be a positive integer");
      }
      const chunks: unknown[] = [];
      for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
      return chunks;
    },
    range: (start: unknown, end: unknown, step: unknown) => {
      if (![start, end, step].every((n) => typeof n === "number" && Number.isInteger(n))) {
        throw new Error("$range: start, end and step must be integers");
      }
      const [from, to, by] = [start, end, step] as number[];
      if (by === 0) throw new Error("$range: the step cannot be 0");
      const out: number[] = [];
      for (
        let v = from as number;
        (by as number) > 0 ? v <= (to as number) : v >= (to as number);
        v += by as number
      ) {
        out.push(v);
        if (out.length > MAX_RANGE_ITEMS)
          throw new Error(`$range: the range exceeds ${MAX_RANGE_ITEMS} items`);
      }
      return out;
    },
    hash: (value: unknown, algorithm: unknown) => {
      const algo = typeof algorithm === "string" ? HASH_ALGORITHMS[algorithm] : undefined;
      if (!algo)
        throw new Error(`$hash: the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(", ")}`);
      const text = typeof value === "string" ? value : JSON.stringify(value);
      return createHash(algo).update(text, "utf8").digest("hex");
    },
    parse: (text: unknown) => {
      if (typeof text !== "string") throw new Error("$parse: the argument must be a string");
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error("$parse: the argument is not valid JSON text");
      }
    },
  };
}

/** Evaluates one `{% %}` expression string; the result may be undefined. */
export async function evaluateExpression(
  text: string,
  field: string,
  scope: JsonataScope,
): Promise<Json | undefined> {
  const body = expressionBody(text);
  let raw: unknown;
  try {
    raw = await jsonata(body).evaluate(scope.states.input, bindings(scope));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw queryEvaluationError(
      `An error occurred while evaluating the JSONata expression '${body}' specified for the field '${field}': ${message}`,
    );
  }
  return toJson(raw);
}

/** Evaluates an expression that must produce a value. */
export async function evaluateRequired(text: string, field: string, scope: JsonataScope): Promise<Json> {
  const value = await evaluateExpression(text, field, scope);
  if (value === undefined) {
    throw queryEvaluationError(
      `The JSONata expression '${expressionBody(text)}' specified for the field '${field}' returned nothing (undefined).`,
    );
  }
  return value;
}

/**
 * Evaluates a field value that may hold expressions at any depth (Arguments, Output, Assign,
 * ItemSelector, ...). Field names in errors follow AWS: `Output/a/b[0]`.
 */
export async function evaluateTemplate(template: Json, field: string, scope: JsonataScope): Promise<Json> {
  if (isJsonataExpression(template)) return evaluateRequired(template, field, scope);
  if (Array.isArray(template)) {
    const out: Json[] = [];
    for (const [i, item] of template.entries())
      out.push(await evaluateTemplate(item, `${field}[${i}]`, scope));
    return out;
  }
  if (isJsonObject(template)) {
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(template))
      out[key] = await evaluateTemplate(value, `${field}/${key}`, scope);
    return out;
  }
  return template;
}

/** A Choice `Condition`: must evaluate to a boolean. */
export async function evaluateCondition(text: Json, field: string, scope: JsonataScope): Promise<boolean> {
  const value = isJsonataExpression(text) ? await evaluateRequired(text, field, scope) : text;
  if (typeof value !== "boolean") {
    throw queryEvaluationError(
      `The JSONata expression specified for the field '${field}' must return a boolean.`,
    );
  }
  return value;
}
