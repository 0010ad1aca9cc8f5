import { eventsError } from "../errors.js";
import type { InputTransformer, TargetDef } from "./bus-model.js";

/** What a rule target receives: the event, or its Input / InputPath / InputTransformer result. */
export interface InputContext {
  ruleArn: string;
  ruleName: string;
  /** Epoch ms the event was accepted (`<aws.events.event.ingestion-time>`). */
  ingestedAt: number;
}

/** The payload (a string) a target gets for an event. */
export function targetPayload(target: TargetDef, event: unknown, ctx: InputContext): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return JSON.stringify(readPath(event, target.inputPath) ?? null);
  if (target.inputTransformer) return transform(target.inputTransformer, event, ctx);
  return JSON.stringify(event);
}

const PATH = /^\$(\.[A-Za-z0-9_\-$@]+|\[\d+\]|\['[^']+'\])*$/;

/** Checks a JSONPath of the simple form EventBridge documents (`$.detail.state`, `$.resources[0]`). */
export function validatePath(path: string, member: string): void {
  if (!PATH.test(path)) throw eventsError.validation(`${member} ${path} is not a valid JSON path.`);
}

/** Reads `$`, `$.a.b`, `$.a[0]`, `$['a-b']`; undefined when any step is missing. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]|\['([^']+)'\]/g)) {
    if (current === null || typeof current !== "object") return undefined;
    const key = step[1] ?? step[3];
    current =
      key !== undefined
        ? (current as Record<string, unknown>)[key]
        : Array.isArray(current)
          ? current[Number(step[2])]
          : undefined;
  }
  return current;
}

const RESERVED = /^aws\.events\./;

/** Validates an InputTransformer at PutTargets (AWS's limits and placeholder rules). */
export function validateTransformer(t: InputTransformer): void {
  const keys = Object.keys(t.inputPathsMap);
  if (keys.length > 100) throw eventsError.validation("InputPathsMap may hold at most 100 entries.");
  for (const [key, path] of Object.entries(t.inputPathsMap)) {
    if (RESERVED.test(key) || !/^[A-Za-z0-9_-]+$/.test(key))
      throw eventsError.validation(`InputPathsMap key ${key} is not valid.`);
    validatePath(path, `InputPathsMap value for ${key}`);
  }
  if (t.inputTemplate.length === 0 || t.inputTemplate.length > 8192)
    throw eventsError.validation("InputTemplate must be 1 to 8192 characters long.");
}

/**
 * Fills an InputTemplate. Inside a JSON string literal a placeholder becomes the value's text
 * (strings without their quotes, escaped for JSON; other values as JSON text); outside one it
 * becomes the value as JSON (`"running"`, `5`, `{...}`). A path with no value gives `null`
 * outside quotes and an empty string inside. Angle-bracket text that is not a defined
 * placeholder is left as is, as EventBridge does.
 */
export function transform(t: InputTransformer, event: unknown, ctx: InputContext): string {
  const values = new Map<string, unknown>();
  for (const [key, path] of Object.entries(t.inputPathsMap)) values.set(key, readPath(event, path));
  values.set("aws.events.rule-arn", ctx.ruleArn);
  values.set("aws.events.rule-name", ctx.ruleName);
  values.set("aws.events.event.ingestion-time", new Date(ctx.ingestedAt).toISOString());
  values.set("aws.events.event", event);
  values.set("aws.events.event.json", event);
  const template = t.inputTemplate;
  let out = "";
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === "\\" && inString) {
      out += c + (template[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === "<") {
      const end = template.indexOf(">", i);
      const name = end > i ? template.slice(i + 1, end) : "";
      if (values.has(name)) {
        out += render(values.get(name), inString);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function render(value: unknown, inString: boolean): string {
  if (!inString) return value === undefined ? "null" : JSON.stringify(value);
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}
