/**
 * Route keys (`GET /items/{id}`, `ANY /{proxy+}`, `$default`) and AWS's precedence among the
 * routes a request matches: paths compare segment by segment from the left, a literal beating a
 * `{param}` beating a greedy `{param+}`; on equal paths a method route beats `ANY`; `$default`
 * only catches what nothing else matched.
 */
export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

type Segment = { kind: "literal"; value: string } | { kind: "param" | "greedy"; name: string };

export interface ParsedRouteKey {
  /** `$default`, or the method (`ANY` included). */
  method: string;
  segments: Segment[];
  isDefault: boolean;
}

/** Parses a route key, or returns why it is not one (BadRequestException's message). */
export function parseRouteKey(routeKey: string): ParsedRouteKey | string {
  if (routeKey === "$default") return { method: "$default", segments: [], isDefault: true };
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match?.[1] || !match[2]) return `Invalid route key: ${routeKey}. Use '$default' or 'METHOD /path'.`;
  const method = match[1];
  if (!ROUTE_METHODS.includes(method)) return `Invalid HTTP method ${method} in route key ${routeKey}.`;
  const parts = match[2].split("/").slice(1);
  if (parts.length === 1 && parts[0] === "") return { method, segments: [], isDefault: false };
  const segments: Segment[] = [];
  for (const [i, part] of parts.entries()) {
    const param = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(part);
    if (param?.[1]) {
      const greedy = param[2] === "+";
      if (greedy && i !== parts.length - 1)
        return `A greedy path variable must be the last segment: ${routeKey}.`;
      segments.push({ kind: greedy ? "greedy" : "param", name: param[1] });
    } else if (part === "" || /[{}]/.test(part)) {
      return `Invalid path in route key ${routeKey}.`;
    } else {
      segments.push({ kind: "literal", value: part });
    }
  }
  return { method, segments, isDefault: false };
}

export interface RouteMatch<R> {
  route: R;
  pathParameters: Record<string, string>;
}

/** A route with its parsed key, ready to match. */
export interface CompiledRoute<R> {
  route: R;
  key: ParsedRouteKey;
}

/** Parses each route's key once; routes with keys that do not parse are left out. */
export function compileRoutes<R extends { routeKey: string }>(routes: R[]): CompiledRoute<R>[] {
  const out: CompiledRoute<R>[] = [];
  for (const route of routes) {
    const key = parseRouteKey(route.routeKey);
    if (typeof key !== "string") out.push({ route, key });
  }
  return out;
}

/** The route a request takes by AWS's precedence, or undefined (404). `rawPath` is still encoded. */
export function matchRoute<R>(
  routes: CompiledRoute<R>[],
  method: string,
  rawPath: string,
): RouteMatch<R> | undefined {
  const parts = rawPath.split("/").slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  let best: { compiled: CompiledRoute<R>; params: Record<string, string>; rank: number[] } | undefined;
  let fallback: CompiledRoute<R> | undefined;
  for (const compiled of routes) {
    if (compiled.key.isDefault) {
      fallback = compiled;
      continue;
    }
    if (compiled.key.method !== "ANY" && compiled.key.method !== method) continue;
    const params = matchPath(compiled.key.segments, parts);
    if (!params) continue;
    const rank = [
      ...compiled.key.segments.map((s) => (s.kind === "literal" ? 3 : s.kind === "param" ? 2 : 1)),
      compiled.key.method === "ANY" ? 1 : 2,
    ];
    if (!best || compare(rank, best.rank) > 0) best = { compiled, params, rank };
  }
  if (best) return { route: best.compiled.route, pathParameters: best.params };
  return fallback ? { route: fallback.route, pathParameters: {} } : undefined;
}

function matchPath(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    if (segment.kind === "greedy") {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.name] = decode(rest.join("/"));
      return params;
    }
    const part = parts[i];
    if (part === undefined || part === "") return undefined;
    if (segment.kind === "literal") {
      if (decode(part) !== segment.value) return undefined;
    } else {
      params[segment.name] = decode(part);
    }
  }
  return segments.length === parts.length ? params : undefined;
}

/** Higher rank wins; earlier positions weigh more. A literal segment outranks the end of a path. */
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
