import { Agent, request } from "node:http";

/**
 * A lean keep-alive HTTP client for load loops. `fetch` (undici's WHATWG layer) costs the client
 * about half a millisecond per request on these machines, more than the servers under test take
 * to answer; `node:http` with a keep-alive agent costs a fraction of that.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly base: string) {}

  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Buffer,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.base);
      const req = request(
        {
          agent: this.agent,
          method,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers:
            body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
