import type { AwsRequest, HttpResult } from "./http-types.js";

export type RestHandler = (req: AwsRequest, params: Record<string, string>) => Promise<HttpResult>;

interface Route {
  method: string;
  segments: string[];
  handler: RestHandler;
}

/**
 * A method + path-template router for restJson1 services. Templates use `{Label}`; each
 * request segment is percent-decoded on its own (labels may hold `:` and `$` encoded as
 * `%3A` / `%24`, and a full ARN as FunctionName).
 */
export class RestRouter {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: RestHandler): this {
    this.routes.push({ method, segments: template.split("/").filter(Boolean), handler });
    return this;
  }

  /** Finds the route for a request path, or undefined. `pathMatched` tells 404 from 405. */
  match(
    method: string,
    rawPath: string,
  ): { handler: RestHandler; params: Record<string, string> } | undefined {
    const parts = rawPath.split("/").filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] ?? "";
        const part = parts[i] ?? "";
        if (seg.startsWith("{") && seg.endsWith("}")) {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(part);
          } catch {
            ok = false;
            break;
          }
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (ok) return { handler: route.handler, params };
    }
    return undefined;
  }
}
