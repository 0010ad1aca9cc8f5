import { isIP } from "node:net";
import type { QueryParams } from "../../aws/query-protocol.js";
import { albError } from "./errors.js";
import type { ConditionField, RuleAction, RuleCondition } from "./model.js";

const CONTENT_TYPES = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"];
const FIELDS: ConditionField[] = [
  "path-pattern",
  "host-header",
  "http-header",
  "query-string",
  "http-request-method",
  "source-ip",
];
/** Fields a rule may name once; http-header and query-string may repeat. */
const SINGLE_FIELDS = new Set<ConditionField>([
  "path-pattern",
  "host-header",
  "http-request-method",
  "source-ip",
]);

/**
 * The actions of a listener or rule (`DefaultActions` / `Actions`), validated as ELBv2 does.
 * Authenticate actions (OIDC, Cognito) need an identity provider Nimbus does not have: refused.
 */
export function readActions(p: QueryParams, name: string): RuleAction[] {
  const entries = p.structList(name);
  if (entries.length === 0) throw albError.validation(`${name} must contain at least one action`);
  const actions = entries.map((entry, i) => ({
    order: Number(entry.get("Order") ?? i + 1),
    action: readAction(entry),
  }));
  if (actions.length > 1)
    throw albError.unsupported(`More than one action (authenticate actions) in ${name}`);
  return actions.map((a) => a.action);
}

function readAction(a: QueryParams): RuleAction {
  const type = a.get("Type");
  switch (type) {
    case "forward": {
      const single = a.get("TargetGroupArn");
      const forward = a.struct("ForwardConfig");
      if (forward.get("TargetGroupStickinessConfig.Enabled") === "true")
        throw albError.unsupported("TargetGroupStickinessConfig");
      const groups = forward.structList("TargetGroups").map((g) => {
        const arn = g.get("TargetGroupArn");
        if (!arn) throw albError.validation("A target group ARN must be specified in ForwardConfig");
        const weight = Number(g.get("Weight") ?? "1");
        if (!Number.isInteger(weight) || weight < 0 || weight > 999)
          throw albError.validation("Target group weight must be between 0 and 999");
        return { arn, weight };
      });
      if (single && groups.length > 0 && (groups.length !== 1 || groups[0]?.arn !== single))
        throw albError.validation("You cannot specify both TargetGroupArn and a different ForwardConfig");
      const targetGroups = groups.length > 0 ? groups : single ? [{ arn: single, weight: 1 }] : [];
      if (targetGroups.length === 0)
        throw albError.validation("A target group ARN must be specified for a forward action");
      if (targetGroups.length > 5)
        throw albError.validation("A forward action can have at most 5 target groups");
      return { type: "forward", targetGroups };
    }
    case "fixed-response": {
      const c = a.struct("FixedResponseConfig");
      const statusCode = c.get("StatusCode") ?? "";
      if (!/^[245]\d\d$/.test(statusCode))
        throw albError.validation("A fixed response StatusCode must be a 2XX, 4XX or 5XX code");
      const contentType = c.get("ContentType");
      if (contentType !== undefined && !CONTENT_TYPES.includes(contentType))
        throw albError.validation(`Fixed response ContentType must be one of ${CONTENT_TYPES.join(", ")}`);
      const messageBody = c.get("MessageBody");
      if (messageBody !== undefined && Buffer.byteLength(messageBody) > 1024)
        throw albError.validation("A fixed response MessageBody can be at most 1024 bytes");
      return {
        type: "fixed-response",
        statusCode,
        ...(contentType !== undefined ? { contentType } : {}),
        ...(messageBody !== undefined ? { messageBody } : {}),
      };
    }
    case "redirect": {
      const c = a.struct("RedirectConfig");
      const statusCode = c.get("StatusCode");
      if (statusCode !== "HTTP_301" && statusCode !== "HTTP_302")
        throw albError.validation("A redirect StatusCode must be HTTP_301 or HTTP_302");
      const protocol = c.get("Protocol");
      if (protocol !== undefined && !["HTTP", "HTTPS", "#{protocol}"].includes(protocol))
        throw albError.validation("A redirect Protocol must be HTTP, HTTPS or #{protocol}");
      const port = c.get("Port");
      if (port !== undefined && port !== "#{port}" && !(Number(port) >= 1 && Number(port) <= 65535))
        throw albError.validation("A redirect Port must be between 1 and 65535 or #{port}");
      const path = c.get("Path");
      if (path !== undefined && !path.startsWith("/"))
        throw albError.validation("A redirect Path must start with '/'");
      const out: RuleAction = { type: "redirect", statusCode };
      if (protocol !== undefined) out.protocol = protocol;
      if (port !== undefined) out.port = port;
      const host = c.get("Host");
      if (host !== undefined) out.host = host;
      if (path !== undefined) out.path = path;
      const query = c.get("Query");
      if (query !== undefined) out.query = query;
      return out;
    }
    case "authenticate-oidc":
    case "authenticate-cognito":
    case "jwt-validation":
      throw albError.unsupported(`Action type '${type}'`);
    default:
      throw albError.validation(
        type === undefined ? "An action Type must be specified" : `Action type '${type}' is not valid`,
      );
  }
}

/** The conditions of a rule (`Conditions`), in the legacy `Field`/`Values` form or the config form. */
export function readConditions(p: QueryParams): RuleCondition[] {
  const out: RuleCondition[] = [];
  for (const c of p.structList("Conditions")) {
    const field = c.get("Field") as ConditionField | undefined;
    if (field === undefined) throw albError.validation("A condition Field must be specified");
    if (!FIELDS.includes(field)) throw albError.validation(`Condition field '${field}' is not valid`);
    for (const key of c.fields.keys())
      if (/RegexValues/.test(key)) throw albError.unsupported("Condition RegexValues");
    if (SINGLE_FIELDS.has(field) && out.some((o) => o.field === field))
      throw albError.validation(`A rule can only have one '${field}' condition`);
    out.push(readCondition(field, c));
  }
  return out;
}

function readCondition(field: ConditionField, c: QueryParams): RuleCondition {
  const legacy = c.list("Values");
  const config = (name: string) => c.struct(name).list("Values");
  let condition: RuleCondition;
  switch (field) {
    case "path-pattern":
      condition = { field, values: either(legacy, config("PathPatternConfig"), field) };
      break;
    case "host-header":
      condition = { field, values: either(legacy, config("HostHeaderConfig"), field) };
      break;
    case "http-request-method": {
      const values = config("HttpRequestMethodConfig");
      for (const v of values)
        if (!/^[A-Z_-]+$/.test(v)) throw albError.validation(`HTTP request method '${v}' is not valid`);
      condition = { field, values };
      break;
    }
    case "source-ip": {
      const values = config("SourceIpConfig");
      for (const v of values) if (!isCidr(v)) throw albError.validation(`'${v}' is not a valid CIDR block`);
      condition = { field, values };
      break;
    }
    case "http-header": {
      const h = c.struct("HttpHeaderConfig");
      const headerName = h.get("HttpHeaderName");
      if (!headerName) throw albError.validation("An http-header condition needs an HttpHeaderName");
      condition = { field, values: h.list("Values"), headerName };
      break;
    }
    case "query-string": {
      const queryValues = c
        .struct("QueryStringConfig")
        .structList("Values")
        .map((kv) => {
          const value = kv.get("Value");
          if (value === undefined) throw albError.validation("A query-string condition value needs a Value");
          const key = kv.get("Key");
          return key === undefined ? { value } : { key, value };
        });
      condition = { field, values: [], queryValues };
      break;
    }
  }
  const count = condition.queryValues?.length ?? condition.values.length;
  if (count === 0) throw albError.validation(`A '${field}' condition must have at least one value`);
  for (const v of condition.values)
    if (v.length > 128) throw albError.validation("A condition value can be at most 128 characters");
  return condition;
}

function either(legacy: string[], config: string[], field: string): string[] {
  if (legacy.length > 0 && config.length > 0)
    throw albError.validation(`Specify either Values or the config of a '${field}' condition, not both`);
  return legacy.length > 0 ? legacy : config;
}

/** A rule priority: an integer 1-50000. */
export function readPriority(value: string | undefined): number {
  const priority = Number(value);
  if (value === undefined || !Number.isInteger(priority) || priority < 1 || priority > 50000)
    throw albError.validation("Priority must be an integer between 1 and 50000");
  return priority;
}

function isCidr(value: string): boolean {
  const [address = "", bits, extra] = value.split("/");
  const family = isIP(address);
  const n = Number(bits);
  return (
    family !== 0 &&
    extra === undefined &&
    bits !== undefined &&
    Number.isInteger(n) &&
    n >= 0 &&
    n <= (family === 4 ? 32 : 128)
  );
}
