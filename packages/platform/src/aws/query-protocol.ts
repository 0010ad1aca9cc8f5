import { PlatformError } from "../core/errors.js";
import type { WireError } from "./aws-errors.js";
import type { AwsRequest, HttpResult } from "./http-types.js";
import { header } from "./http-types.js";

/**
 * awsQuery (aws-protocols.md section 4): form-encoded `Action=<Op>&Version=...` requests answered
 * with XML. SNS speaks only this; SQS speaks it for older SDKs and the Debian AWS CLI.
 *
 * An operation receives the form as flat parameters (`QueryParams`) and returns the content of
 * its `<Op>Result` element as an `XmlValue`, or undefined when the operation has no result.
 */
export type QueryOperation = (params: QueryParams, req: AwsRequest) => Promise<XmlValue | undefined>;

export interface QueryService {
  /** SigV4 signing name that selects the service (`sns`, `sqs`). */
  signingName: string;
  /** The `Version` form field that selects the service when the request is unsigned. */
  version: string;
  /** Namespace of response and error documents. */
  xmlNamespace: string;
  operations: Record<string, QueryOperation>;
}

/**
 * A value to serialize as XML. Objects become child elements in key order; an array becomes the
 * same element repeated (a flattened list), so a wrapped list is `{ member: [...] }` and a map is
 * `{ entry: [{ key, value }] }`. `undefined` and `null` members are left out.
 */
export type XmlValue = string | number | boolean | null | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** The form fields of a query request, with helpers for AWS's list and map encodings. */
export class QueryParams {
  constructor(readonly fields: URLSearchParams) {}

  get(name: string): string | undefined {
    return this.fields.get(name) ?? undefined;
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }

  /**
   * A list: `Name.member.1`, `Name.member.2`, ... (wrapped) or `Name.1`, `Name.2`, ...
   * (flattened). Reads consecutive indexes from 1.
   */
  list(name: string, flattened = false): string[] {
    const base = flattened ? name : `${name}.member`;
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.fields.get(`${base}.${i}`);
      if (value === null) break;
      out.push(value);
    }
    return out;
  }

  /**
   * A list of structures: returns, per index from 1, the fields under `<prefix>.<i>.` with that
   * prefix removed (`Entries.member.1.Id` -> `{ Id }`). Stops at the first missing index.
   */
  structList(name: string, flattened = false): QueryParams[] {
    const base = `${flattened ? name : `${name}.member`}.`;
    const groups = new Map<number, URLSearchParams>();
    for (const [key, value] of this.fields) {
      if (!key.startsWith(base)) continue;
      const rest = key.slice(base.length);
      const dot = rest.indexOf(".");
      const index = Number(dot === -1 ? rest : rest.slice(0, dot));
      if (!Number.isInteger(index) || index < 1) continue;
      let group = groups.get(index);
      if (!group) {
        group = new URLSearchParams();
        groups.set(index, group);
      }
      group.append(dot === -1 ? "" : rest.slice(dot + 1), value);
    }
    const out: QueryParams[] = [];
    for (let i = 1; groups.has(i); i++) out.push(new QueryParams(groups.get(i) as URLSearchParams));
    return out;
  }

  /** The fields under `<prefix>.` with the prefix removed (a nested structure). */
  struct(prefix: string): QueryParams {
    const out = new URLSearchParams();
    const base = `${prefix}.`;
    for (const [key, value] of this.fields)
      if (key.startsWith(base)) out.append(key.slice(base.length), value);
    return new QueryParams(out);
  }

  /**
   * A map of strings: `Name.entry.N.key/value` (default) or, flattened, `Name.N.Name/Value`
   * (SQS attributes). The key and value member names are those of the model.
   */
  stringMap(
    name: string,
    options: { flattened?: boolean; key?: string; value?: string } = {},
  ): Record<string, string> {
    const keyName = options.key ?? (options.flattened ? "Name" : "key");
    const valueName = options.value ?? (options.flattened ? "Value" : "value");
    const out: Record<string, string> = {};
    for (const entry of this.structList(options.flattened ? name : `${name}.entry`, true)) {
      const key = entry.get(keyName);
      if (key !== undefined) out[key] = entry.get(valueName) ?? "";
    }
    return out;
  }

  /** A map whose values are structures (message attributes), keyed by `keyName`. */
  structMap(
    name: string,
    options: { flattened?: boolean; key?: string; value?: string } = {},
  ): Record<string, QueryParams> {
    const keyName = options.key ?? (options.flattened ? "Name" : "key");
    const valueName = options.value ?? (options.flattened ? "Value" : "value");
    const out: Record<string, QueryParams> = {};
    for (const entry of this.structList(options.flattened ? name : `${name}.entry`, true)) {
      const key = entry.get(keyName);
      if (key !== undefined) out[key] = entry.struct(valueName);
    }
    return out;
  }
}

/** True when the request is an awsQuery call: a form POST, or a GET carrying `Action`. */
export function isQueryRequest(req: AwsRequest): boolean {
  if (header(req.headers, "x-amz-target") !== undefined) return false;
  const type = header(req.headers, "content-type") ?? "";
  if (req.method === "POST" && type.toLowerCase().startsWith("application/x-www-form-urlencoded"))
    return true;
  return req.method === "GET" && req.query.has("Action");
}

/** The form fields: the body of a POST, the query string of a GET. */
export function queryFields(req: AwsRequest): URLSearchParams {
  if (req.method === "GET") return req.query;
  return new URLSearchParams(req.body.toString("utf8"));
}

/** Picks the service by SigV4 signing name, else by `Version`. */
export function selectQueryService(
  services: readonly QueryService[],
  req: AwsRequest,
  fields: URLSearchParams,
): QueryService | undefined {
  const signed = services.find((s) => s.signingName === req.caller.signingService);
  if (signed) return signed;
  const version = fields.get("Version");
  return services.find((s) => s.version === version);
}

export async function dispatchQuery(
  service: QueryService,
  fields: URLSearchParams,
  req: AwsRequest,
): Promise<HttpResult> {
  const action = fields.get("Action") ?? "";
  const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
  if (!operation) throw invalidAction(action);
  const result = await operation(new QueryParams(fields), req);
  const inner = result === undefined ? "" : xmlElement(`${action}Result`, result);
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${service.xmlNamespace}">${inner}` +
    `<ResponseMetadata><RequestId>${req.requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { "content-type": "text/xml" }, body };
}

/** The awsQuery error document; the code is the error's query code (or its AWS name). */
export function queryError(error: WireError, xmlNamespace: string, requestId: string): HttpResult {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlNamespace}"><Error>` +
    `<Type>${error.fault ? "Receiver" : "Sender"}</Type><Code>${escapeXml(error.queryCode ?? error.name)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: { "content-type": "text/xml" }, body };
}

function invalidAction(action: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_INVALID_ACTION",
    message:
      action === ""
        ? "The request must contain the parameter Action."
        : `The action ${action} is not valid for this web service.`,
    status: 400,
    awsName: "InvalidAction",
  });
}

/** Serializes one element and its content. */
export function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item)).join("");
  if (typeof value === "object") {
    let inner = "";
    for (const [child, childValue] of Object.entries(value)) inner += xmlElement(child, childValue);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) =>
    c === "&"
      ? "&amp;"
      : c === "<"
        ? "&lt;"
        : c === ">"
          ? "&gt;"
          : c === '"'
            ? "&quot;"
            : c === "'"
              ? "&apos;"
              : "&#xD;",
  );
}
