import type { RedirectAction } from "./model.js";

/** The parts of the request a redirect's placeholders take. */
export interface RedirectSource {
  /** Host name without port. */
  host: string;
  /** The port the client addressed. */
  port: string;
  /** The path below the load balancer (starts with `/`). */
  path: string;
  /** Query string as sent, without `?`. */
  rawQuery: string;
  /** The path form's prefix, kept when the redirect stays on the same host ("" otherwise). */
  prefix: string;
}

/**
 * The `Location` of a redirect action. Each component defaults to its placeholder (`#{protocol}`,
 * `#{host}`, `#{port}`, `/#{path}`, `#{query}`); `#{path}` is the path without its leading `/`.
 * The port is left out when it is the protocol's default.
 */
export function redirectLocation(action: RedirectAction, source: RedirectSource): string {
  const fill = (template: string) =>
    template
      .replaceAll("#{protocol}", "http")
      .replaceAll("#{host}", source.host)
      .replaceAll("#{port}", source.port)
      .replaceAll("#{path}", source.path.replace(/^\//, ""))
      .replaceAll("#{query}", source.rawQuery);
  const protocol = fill(action.protocol ?? "#{protocol}").toLowerCase();
  const host = fill(action.host ?? "#{host}");
  const port = fill(action.port ?? "#{port}");
  let path = fill(action.path ?? "/#{path}");
  if (host === source.host && source.prefix !== "") path = `${source.prefix}${path}`;
  const query = fill(action.query ?? "#{query}");
  const defaultPort = (protocol === "https" && port === "443") || (protocol === "http" && port === "80");
  return `${protocol}://${host}${defaultPort ? "" : `:${port}`}${path}${query === "" ? "" : `?${query}`}`;
}
