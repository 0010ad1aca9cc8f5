import { randomBytes } from "node:crypto";
import type { TrafficRoute } from "../../aws/front-door.js";
import type { AwsRequest, HttpResult } from "../../aws/http-types.js";
import { parseFunctionRef } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Invoker } from "../../invoke/index.js";
import { type AlbAnswer, albErrorPage, buildAlbEvent, MAX_LAMBDA_BYTES, mapAlbResult } from "./alb-event.js";
import { type CompiledListener, compileListener, type RequestFacts, selectActions } from "./conditions.js";
import type { ElbState } from "./elb-state.js";
import type { LoadBalancerService } from "./load-balancer-service.js";
import {
  dnsLabel,
  type ForwardAction,
  type ListenerRecord,
  type LoadBalancerRecord,
  MULTI_VALUE_HEADERS,
  type RedirectAction,
} from "./model.js";
import { redirectLocation } from "./redirect.js";
import type { TargetGroupService } from "./target-group-service.js";

/** The path form: `/_nimbus/elb/<name>[:<listener port>]/<path>` on Nimbus's port. */
export const ELB_PATH_PREFIX = "/_nimbus/elb/";

const HOST_FORM = /^([a-z0-9-]+)\.elb\.localhost$/;

export interface AlbRouteDeps {
  state: ElbState;
  loadBalancers: LoadBalancerService;
  targetGroups: TargetGroupService;
  invoker: Invoker;
  clock: Clock;
  logger: Logger;
  /** Picks among weighted target groups (Math.random in the server; fixed in tests). */
  random: () => number;
}

/** Which load balancer a request addresses, the listener port it names, and the path below. */
interface Addressed {
  lb: LoadBalancerRecord;
  port: number | undefined;
  path: string;
  /** The path form's prefix (kept on redirects to the same host), empty for the host form. */
  prefix: string;
}

/**
 * The data plane of load balancers, as a front-door traffic route: the load balancer by Host
 * (`<dns name>`) or path prefix, the listener by port, the first matching rule by priority, then
 * its action: forward (the ALB event through the Invoker), fixed-response or redirect.
 */
export function createAlbRoute(deps: AlbRouteDeps): TrafficRoute {
  const compiled = new WeakMap<ListenerRecord, CompiledListener>();
  const serve = async (req: AwsRequest): Promise<HttpResult | undefined> => {
    const hostHeader = headerValue(req, "host") ?? "";
    const isHostForm = HOST_FORM.test(req.hostname.toLowerCase());
    if (!isHostForm && !req.rawPath.startsWith(ELB_PATH_PREFIX)) return undefined;
    await deps.state.load();
    const addressed = address(deps.loadBalancers, req, isHostForm);
    if (!addressed) return undefined;
    const { lb, path } = addressed;
    const hostPort = /:(\d+)$/.exec(hostHeader)?.[1];
    const listener = pickListener(
      lb,
      addressed.port ?? (isHostForm && hostPort ? Number(hostPort) : undefined),
      addressed.port !== undefined,
    );
    if (!listener)
      return toHttp(
        albErrorPage(
          503,
          "Service Temporarily Unavailable",
          "the load balancer has no listener for the request",
        ),
      );
    let rules = compiled.get(listener);
    if (!rules) {
      rules = compileListener(listener);
      compiled.set(listener, rules);
    }
    const headers = headerLists(req);
    const facts: RequestFacts = {
      method: req.method,
      path,
      host: req.hostname.toLowerCase(),
      headers,
      query: [...req.query],
      sourceIp: req.sourceIp ?? "127.0.0.1",
    };
    const [action] = selectActions(rules, facts);
    let answer: AlbAnswer;
    if (!action) answer = albErrorPage(503, "Service Temporarily Unavailable", "the rule has no action");
    else if (action.type === "fixed-response")
      answer = {
        status: Number(action.statusCode),
        headers: { "content-type": action.contentType ?? "text/plain; charset=utf-8" },
        body: Buffer.from(action.messageBody ?? ""),
      };
    else if (action.type === "redirect") answer = redirect(action, req, addressed, listener);
    else answer = await forward(deps, action, req, facts, listener, path);
    if (answer.problem !== undefined)
      deps.logger.info(
        { loadBalancer: lb.name, requestId: req.requestId, status: answer.status, problem: answer.problem },
        "load balancer answered an error",
      );
    return toHttp(answer);
  };
  // The cheap test first: requests for other routes get no promise (TrafficRoute).
  return (req) =>
    req.rawPath.startsWith(ELB_PATH_PREFIX) || HOST_FORM.test(req.hostname.toLowerCase())
      ? serve(req)
      : undefined;
}

async function forward(
  deps: AlbRouteDeps,
  action: ForwardAction,
  req: AwsRequest,
  facts: RequestFacts,
  listener: ListenerRecord,
  path: string,
): Promise<AlbAnswer> {
  const arn = pickWeighted(action.targetGroups, deps.random);
  const tg = arn === undefined ? undefined : deps.targetGroups.find(arn);
  if (!tg || arn === undefined || tg.target === undefined)
    return albErrorPage(
      503,
      "Service Temporarily Unavailable",
      "the target group has no registered function",
    );
  if (req.body.length > MAX_LAMBDA_BYTES)
    return albErrorPage(413, "Request Entity Too Large", "the body is over 1 MB");
  const multiValue = tg.attributes[MULTI_VALUE_HEADERS] === "true";
  const headers = { ...facts.headers };
  headers["x-forwarded-for"] = [[...(headers["x-forwarded-for"] ?? []), facts.sourceIp].join(", ")];
  headers["x-forwarded-proto"] = ["http"];
  headers["x-forwarded-port"] = [String(listener.port)];
  headers["x-amzn-trace-id"] ??= [traceId(deps.clock)];
  const event = buildAlbEvent({
    targetGroupArn: arn,
    method: req.method,
    path,
    rawQuery: req.rawQuery,
    headers,
    body: req.body,
    multiValue,
  });
  const ref = parseFunctionRef(tg.target);
  const qualifier = ref?.qualifier;
  try {
    const result = await deps.invoker.invoke({
      functionName: qualifier === undefined ? tg.target : tg.target.slice(0, -(qualifier.length + 1)),
      qualifier,
      payload: Buffer.from(JSON.stringify(event)),
      tailLog: false,
      clientContext: undefined,
      dryRun: false,
      requestId: req.requestId,
    });
    return mapAlbResult(result, multiValue);
  } catch (error) {
    if (!isPlatformError(error)) throw error;
    if (error.kind === "system")
      deps.logger.error({ err: error, targetGroup: tg.name }, "load balancer invoke failed");
    const problem = `the invoke was refused: ${error.awsName ?? error.code}`;
    return error.awsName === "TooManyRequestsException"
      ? albErrorPage(503, "Service Temporarily Unavailable", problem)
      : albErrorPage(502, "Bad Gateway", problem);
  }
}

function redirect(
  action: RedirectAction,
  req: AwsRequest,
  addressed: Addressed,
  listener: ListenerRecord,
): AlbAnswer {
  const hostPort = /:(\d+)$/.exec(headerValue(req, "host") ?? "")?.[1];
  const location = redirectLocation(action, {
    host: req.hostname,
    port: hostPort ?? String(listener.port),
    path: addressed.path,
    rawQuery: req.rawQuery,
    // On the path form the prefix stays, so a redirect to the same host reaches the same load balancer.
    prefix: addressed.prefix,
  });
  const status = action.statusCode === "HTTP_301" ? 301 : 302;
  const page = albErrorPage(status, status === 301 ? "Moved Permanently" : "Moved Temporarily");
  return { ...page, headers: { ...page.headers, location } };
}

function address(lbs: LoadBalancerService, req: AwsRequest, isHostForm: boolean): Addressed | undefined {
  if (isHostForm) {
    const label = HOST_FORM.exec(req.hostname.toLowerCase())?.[1] ?? "";
    const dash = label.lastIndexOf("-");
    const lb = lbs.byNameInsensitive(label.slice(0, dash));
    if (!lb || dnsLabel(lb) !== label) return undefined;
    return { lb, port: undefined, path: req.rawPath === "" ? "/" : req.rawPath, prefix: "" };
  }
  const rest = req.rawPath.slice(ELB_PATH_PREFIX.length);
  const slash = rest.indexOf("/");
  const segment = slash === -1 ? rest : rest.slice(0, slash);
  const [name = "", portText] = segment.split(":");
  const lb = lbs.byName(name);
  if (!lb) return undefined;
  // A port that is not a number names no listener (0 matches none), rather than the default one.
  const port = portText === undefined ? undefined : /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  return {
    lb,
    port,
    path: slash === -1 ? "/" : rest.slice(slash),
    prefix: `${ELB_PATH_PREFIX}${segment}`,
  };
}

/** The listener on `port`; without an exact request for one, the lowest port's listener. */
function pickListener(
  lb: LoadBalancerRecord,
  port: number | undefined,
  exact: boolean,
): ListenerRecord | undefined {
  const onPort = port === undefined ? undefined : lb.listeners.find((l) => l.port === port);
  if (onPort || exact) return onPort;
  return [...lb.listeners].sort((a, b) => a.port - b.port)[0];
}

function pickWeighted(groups: { arn: string; weight: number }[], random: () => number): string | undefined {
  const total = groups.reduce((sum, g) => sum + g.weight, 0);
  if (total === 0) return groups[0]?.arn;
  let point = random() * total;
  for (const g of groups) {
    point -= g.weight;
    if (point < 0) return g.arn;
  }
  return groups[groups.length - 1]?.arn;
}

function headerValue(req: AwsRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function headerLists(req: AwsRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  return out;
}

/** `Root=1-<epoch seconds hex>-<24 hex>`, the X-Ray trace id ALB adds. */
function traceId(clock: Clock): string {
  return `Root=1-${Math.floor(clock.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

/**
 * HttpResult's headers are typed `Record<string, string>`, but the front door hands them to
 * Node's `writeHead`, which writes an array as one line per value.
 */
function toHttp(answer: AlbAnswer): HttpResult {
  return {
    status: answer.status,
    headers: answer.headers as Record<string, string>,
    body: answer.body,
    ...(answer.statusMessage !== undefined ? { statusMessage: answer.statusMessage } : {}),
  };
}
