/**
 * One JSON call to a server's API (set-up in benchmarks: create a function, an API...): the
 * parsed answer, undefined for an empty body; an error naming the call for any status >= 300.
 */
export async function callApi(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}
