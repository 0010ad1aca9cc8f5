import { createHash } from "node:crypto";
import { type IntrinsicArg, type IntrinsicCall, parseIntrinsic } from "./intrinsic-parser.js";
import { isJsonObject, type Json, type JsonObject, jsonEquals, toJsonText } from "./json.js";
import { seededRandom } from "./random.js";
import { intrinsicFailure } from "./states-error.js";

/** What an intrinsic needs from its surroundings; paths are resolved by the caller's scope. */
export interface IntrinsicContext {
  /** Resolves `$.x`, `$$.x` or `$var.x`; throws a StatesError when the path matches nothing. */
  resolvePath(path: string): Json;
  random(): number;
  uuid(): string;
}

const MAX_STRING_INPUT = 10_000;
const MAX_RANGE_ITEMS = 1000;
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
const HASH_ALGORITHMS: Record<string, string> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

type Impl = (args: Json[], call: IntrinsicCall, ctx: IntrinsicContext) => Json;

/** Evaluates `States.X(...)` text or a parsed call. Failures throw States.IntrinsicFailure. */
export function evaluateIntrinsic(call: IntrinsicCall | string, ctx: IntrinsicContext): Json {
  const parsed = typeof call === "string" ? parseIntrinsic(call) : call;
  const impl = FUNCTIONS[parsed.name];
  if (!impl) throw intrinsicFailure(`The intrinsic function '${parsed.name}' is not supported.`);
  const args = parsed.args.map((arg) => evaluateArg(arg, ctx));
  return impl(args, parsed, ctx);
}

function evaluateArg(arg: IntrinsicArg, ctx: IntrinsicContext): Json {
  if (arg.kind === "literal") return arg.value;
  if (arg.kind === "path") return ctx.resolvePath(arg.path);
  return evaluateIntrinsic(arg, ctx);
}

function fail(name: string, detail: string): never {
  throw intrinsicFailure(`Invalid arguments in ${name}: ${detail}`);
}

function arity(args: Json[], name: string, min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    fail(name, `expected ${expected} arguments but got ${args.length}`);
  }
}

function str(value: Json | undefined, name: string, what: string): string {
  if (typeof value !== "string") fail(name, `${what} must be a string`);
  return value;
}

function num(value: Json | undefined, name: string, what: string): number {
  if (typeof value !== "number") fail(name, `${what} must be a number`);
  return value;
}

function int(value: Json | undefined, name: string, what: string): number {
  const n = num(value, name, what);
  if (!Number.isInteger(n)) fail(name, `${what} must be an integer`);
  return n;
}

function arr(value: Json | undefined, name: string, what: string): Json[] {
  if (!Array.isArray(value)) fail(name, `${what} must be an array`);
  return value;
}

function obj(value: Json | undefined, name: string, what: string): JsonObject {
  if (!isJsonObject(value)) fail(name, `${what} must be a JSON object`);
  return value;
}

function limited(value: string, name: string): string {
  if (value.length > MAX_STRING_INPUT) fail(name, `the input exceeds ${MAX_STRING_INPUT} characters`);
  return value;
}

/** Renders a Format argument: strings verbatim, everything else as JSON text. */
function formatValue(value: Json): string {
  return typeof value === "string" ? value : toJsonText(value);
}

const format: Impl = (args, call) => {
  const name = call.name;
  if (args.length < 1) fail(name, "a format string is required");
  const first = call.args[0];
  const template =
    first?.kind === "literal" && first.raw !== undefined ? first.raw : str(args[0], name, "the template");
  let out = "";
  let used = 0;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === "\\" && i + 1 < template.length) {
      out += template[i + 1];
      i++;
    } else if (ch === "{" && template[i + 1] === "}") {
      used++;
      const value = args[used];
      if (value === undefined) fail(name, "the number of arguments does not match the number of '{}'");
      out += formatValue(value);
      i++;
    } else out += ch;
  }
  if (used !== args.length - 1) fail(name, "the number of arguments does not match the number of '{}'");
  return out;
};

const FUNCTIONS: Record<string, Impl> = {
  "States.Format": format,
  "States.StringToJson": (args, { name }) => {
    arity(args, name, 1);
    const text = str(args[0], name, "the argument");
    try {
      return JSON.parse(text) as Json;
    } catch {
      return fail(name, "the argument is not valid JSON text");
    }
  },
  "States.JsonToString": (args, { name }) => {
    arity(args, name, 1);
    return toJsonText(args[0] as Json);
  },
  "States.Array": (args) => args,
  "States.ArrayPartition": (args, { name }) => {
    arity(args, name, 2);
    const items = arr(args[0], name, "the first argument");
    const size = int(args[1], name, "the chunk size");
    if (size <= 0) fail(name, "the chunk size must be greater than 0");
    const chunks: Json[] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
  },
  "States.ArrayContains": (args, { name }) => {
    arity(args, name, 2);
    return arr(args[0], name, "the first argument").some((item) => jsonEquals(item, args[1] as Json));
  },
  "States.ArrayRange": (args, { name }) => {
    arity(args, name, 3);
    const start = int(args[0], name, "the start");
    const end = int(args[1], name, "the end");
    const step = int(args[2], name, "the step");
    if (step === 0) fail(name, "the step cannot be 0");
    const out: Json[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      out.push(v);
      if (out.length > MAX_RANGE_ITEMS) fail(name, `the range exceeds ${MAX_RANGE_ITEMS} items`);
    }
    return out;
  },
  "States.ArrayGetItem": (args, { name }) => {
    arity(args, name, 2);
    const items = arr(args[0], name, "the first argument");
    const index = int(args[1], name, "the index");
    if (index < 0 || index >= items.length) fail(name, `the index ${index} is out of bounds`);
    return items[index] as Json;
  },
  "States.ArrayLength": (args, { name }) => {
    arity(args, name, 1);
    return arr(args[0], name, "the argument").length;
  },
  "States.ArrayUnique": (args, { name }) => {
    arity(args, name, 1);
    const out: Json[] = [];
    for (const item of arr(args[0], name, "the argument"))
      if (!out.some((o) => jsonEquals(o, item))) out.push(item);
    return out;
  },
  "States.Base64Encode": (args, { name }) => {
    arity(args, name, 1);
    return Buffer.from(limited(str(args[0], name, "the argument"), name), "utf8").toString("base64");
  },
  "States.Base64Decode": (args, { name }) => {
    arity(args, name, 1);
    const text = limited(str(args[0], name, "the argument"), name);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1)
      fail(name, "the argument is not base64");
    return Buffer.from(text, "base64").toString("utf8");
  },
  "States.Hash": (args, { name }) => {
    arity(args, name, 2);
    const algorithm = HASH_ALGORITHMS[str(args[1], name, "the algorithm")];
    if (!algorithm) fail(name, `the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(", ")}`);
    const data = args[0] as Json;
    const text = limited(typeof data === "string" ? data : toJsonText(data), name);
    return createHash(algorithm).update(text, "utf8").digest("hex");
  },
  "States.JsonMerge": (args, { name }) => {
    arity(args, name, 3);
    const left = obj(args[0], name, "the first argument");
    const right = obj(args[1], name, "the second argument");
    if (args[2] !== false) fail(name, "deep merging is not supported; the third argument must be false");
    return { ...left, ...right };
  },
  "States.MathRandom": (args, { name }, ctx) => {
    arity(args, name, 2, 3);
    const start = Math.round(num(args[0], name, "the start"));
    const end = Math.round(num(args[1], name, "the end"));
    if (start > end) fail(name, "the start must not exceed the end");
    const random =
      args.length === 3 ? seededRandom(Math.round(num(args[2], name, "the seed"))) : ctx.random();
    return start + Math.floor(random * (end - start + 1));
  },
  "States.MathAdd": (args, { name }) => {
    arity(args, name, 2);
    const sum =
      Math.round(num(args[0], name, "the first value")) + Math.round(num(args[1], name, "the second value"));
    if (sum > INT32_MAX || sum < INT32_MIN) fail(name, "the result is outside the 32-bit integer range");
    return sum;
  },
  "States.StringSplit": (args, { name }) => {
    arity(args, name, 2);
    const text = str(args[0], name, "the input string");
    const delimiters = new Set(str(args[1], name, "the delimiters"));
    const out: Json[] = [];
    let current = "";
    for (const ch of text) {
      if (delimiters.has(ch)) {
        if (current !== "") out.push(current);
        current = "";
      } else current += ch;
    }
    if (current !== "") out.push(current);
    return out;
  },
  "States.UUID": (args, { name }, ctx) => {
    arity(args, name, 0);
    return ctx.uuid();
  },
};

/** Names of every supported intrinsic, for validation. */
export const INTRINSIC_NAMES: readonly string[] = Object.keys(FUNCTIONS);
