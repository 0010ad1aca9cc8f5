import { type ChildProcess, spawn } from "node:child_process";

/**
 * The floor: a plain Node http server answering the same small JSON the hello function returns,
 * in its own process like the Nimbus server, so both share the machine with the load generator
 * in the same way.
 */
const SOURCE = `
const http = require("node:http");
const body = JSON.stringify({ message: "hello" });
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(String(server.address().port)));
`;

export async function startFloorServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["-e", SOURCE], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`floor server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid ?? 0,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
