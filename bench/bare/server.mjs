// The bare architecture (bench/bare-invoke.ts): an HTTP server that hands each request to a pool
// of Nimbus's own Node runtimes over their framed socket protocol, one request per runtime at a
// time, and answers with the runtime's response. No logs, metrics, routing, limits or sandbox:
// what two extra processes per request cost by themselves.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { resolve } from "node:path";

const runtimes = Number(process.env.RUNTIMES ?? "10");
const bootstrap = resolve(import.meta.dirname, "../../packages/runtimes/node/bootstrap.mjs");
const task = resolve(import.meta.dirname, "../../test/fixtures/functions/node/hello");

function encode(header, body) {
  const head = Buffer.from(JSON.stringify(header));
  const out = Buffer.allocUnsafe(8 + head.length + body.length);
  out.writeUInt32BE(head.length, 0);
  out.writeUInt32BE(body.length, 4);
  head.copy(out, 8);
  body.copy(out, 8 + head.length);
  return out;
}

const idle = [];
const waiting = [];
const release = (runtime) => {
  const next = waiting.shift();
  if (next) next(runtime);
  else idle.push(runtime);
};
for (let i = 0; i < runtimes; i++) {
  const child = spawn(process.execPath, [bootstrap], {
    cwd: task,
    stdio: ["ignore", "inherit", "inherit", "pipe"],
    env: {
      LAMBDA_TASK_ROOT: task,
      _HANDLER: "index.handler",
      AWS_LAMBDA_FUNCTION_NAME: "hello",
      PATH: process.env.PATH,
    },
  });
  const runtime = { socket: child.stdio[3], pending: undefined, buffer: Buffer.alloc(0) };
  runtime.socket.on("data", (chunk) => {
    runtime.buffer = runtime.buffer.length > 0 ? Buffer.concat([runtime.buffer, chunk]) : chunk;
    while (runtime.buffer.length >= 8) {
      const headLength = runtime.buffer.readUInt32BE(0);
      const total = 8 + headLength + runtime.buffer.readUInt32BE(4);
      if (runtime.buffer.length < total) break;
      const header = JSON.parse(runtime.buffer.toString("utf8", 8, 8 + headLength));
      const body = runtime.buffer.subarray(8 + headLength, total);
      runtime.buffer = runtime.buffer.subarray(total);
      if (header.t === "ready") release(runtime);
      else if (header.t === "response") {
        const answer = runtime.pending;
        runtime.pending = undefined;
        release(runtime);
        answer(body);
      }
    }
  });
}
const take = () => idle.pop() ?? new Promise((r) => waiting.push(r));

http
  .createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      const runtime = await take();
      const body = await new Promise((answer) => {
        runtime.pending = answer;
        const header = { t: "invoke", id: randomUUID(), deadlineMs: Date.now() + 3000, functionArn: "hello" };
        runtime.socket.write(encode(header, Buffer.concat(chunks)));
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      res.end(body);
    });
  })
  .listen(0, "127.0.0.1", function () {
    console.log(String(this.address().port));
  });
