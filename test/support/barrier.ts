import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A rendezvous for functions: each invocation GETs `url`, and nobody gets an answer until
 * `parties` of them wait at once, which proves that many ran concurrently.
 */
export async function startBarrier(parties: number): Promise<{ url: string; close: () => void }> {
  const waiting: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    waiting.push(res);
    if (waiting.length === parties) for (const r of waiting.splice(0)) r.end("go");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
