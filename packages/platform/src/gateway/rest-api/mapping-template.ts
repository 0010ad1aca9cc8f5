import { Compile, parse } from "velocityjs";
import { badRequest } from "./errors.js";

/** What a mapping template sees of the request (or, for response templates, the integration's answer). */
export interface TemplateInput {
  /** The payload `$input` reads: the request body, or the integration's response body. */
  body: string;
  params: {
    path: Record<string, string>;
    querystring: Record<string, string>;
    header: Record<string, string>;
  };
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
}

/**
 * Renders an API Gateway mapping template: Velocity (#set, #if, #foreach, ...) with `$input`
 * (`json`, `path`, `body`, `params`), `$util` (`escapeJavaScript`, `parseJson`, `urlEncode`,
 * `urlDecode`, `base64Encode`, `base64Decode`), `$context` and `$stageVariables`. References to
 * nothing render as empty text, as API Gateway does.
 */
export function renderTemplate(template: string, input: TemplateInput): string {
  let parsedBody: unknown;
  let parsed = false;
  const root = (): unknown => {
    if (!parsed) {
      parsed = true;
      try {
        parsedBody = input.body === "" ? {} : JSON.parse(input.body);
      } catch {
        // $input.path / $input.json on a body that is not JSON: API Gateway treats it as a string.
        parsedBody = input.body;
      }
    }
    return parsedBody;
  };
  const context = {
    input: {
      body: input.body,
      json: (path: string) => JSON.stringify(jsonPath(root(), path) ?? null),
      path: (path: string) => jsonPath(root(), path) ?? "",
      params: (name?: string) => {
        if (name === undefined) return input.params;
        return (
          input.params.path[name] ??
          input.params.querystring[name] ??
          headerParam(input.params.header, name) ??
          ""
        );
      },
    },
    util: {
      escapeJavaScript: escapeJavaScript,
      parseJson: (text: string) => {
        try {
          return JSON.parse(text);
        } catch {
          throw badRequest(`$util.parseJson: not JSON: ${text.slice(0, 100)}`);
        }
      },
      urlEncode: (text: string) => encodeURIComponent(String(text)).replace(/%20/g, "+"),
      urlDecode: (text: string) => decodeURIComponent(String(text).replace(/\+/g, " ")),
      base64Encode: (text: string) => Buffer.from(String(text)).toString("base64"),
      base64Decode: (text: string) => Buffer.from(String(text), "base64").toString("utf8"),
    },
    context: input.context,
    stageVariables: input.stageVariables,
  };
  let asts: ReturnType<typeof parse>;
  try {
    asts = parse(template);
  } catch (error) {
    throw badRequest(`Invalid mapping template: ${(error as Error).message}`);
  }
  return new Compile(asts).render(context, undefined, true);
}

function headerParam(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** Escapes a string for a JavaScript (and JSON) string literal, as `$util.escapeJavaScript` does. */
export function escapeJavaScript(value: unknown): string {
  return String(value ?? "")
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/'/g, "\\'")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(/\f/g, "\\f")
    .replace(/[\b]/g, "\\b");
}

/**
 * The JSONPath subset templates use: `$`, `$.a.b`, `$.a[0]`, `$['a b']`, `$.a[*].b` and `$..`
 * is not supported. Returns undefined when the path leads nowhere.
 */
export function jsonPath(root: unknown, path: string): unknown {
  const text = String(path).trim();
  if (!text.startsWith("$")) throw badRequest(`Invalid JSONPath expression: ${text}`);
  if (text.includes("..")) throw badRequest(`Unsupported JSONPath expression (recursive descent): ${text}`);
  const tokens: (string | number | "*")[] = [];
  const re = /\.([A-Za-z0-9_$@-]+|\*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]|\[\*\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) throw badRequest(`Invalid JSONPath expression: ${text}`);
    if (m[1] !== undefined) tokens.push(m[1] === "*" ? "*" : m[1]);
    else if (m[2] !== undefined) tokens.push(Number(m[2]));
    else if (m[3] !== undefined) tokens.push(m[3]);
    else if (m[4] !== undefined) tokens.push(m[4]);
    else tokens.push("*");
  }
  let current: unknown[] = [root];
  let multi = false;
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== "object") continue;
      if (token === "*") {
        multi = true;
        next.push(...(Array.isArray(value) ? value : Object.values(value)));
      } else {
        const child = (value as Record<string | number, unknown>)[token];
        if (child !== undefined) next.push(child);
      }
    }
    current = next;
  }
  return multi ? current : current[0];
}
