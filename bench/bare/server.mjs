// The bare architecture (bench/bare-invoke.ts): an HTTP server that hands each request to a pool
// of Nimbus's own Node runtimes over their framed socket protocol, one request per runtime at a
// time, and answers with the runtime's response. No logs, metrics, routing, limits or sandbox:
// what two extra processes per request cost by themselves.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { resolve } from "node:path";
// The platform's own frame codec (built by `npm ci` / `tsc -b`): the same protocol, nothing else.
import { encodeFrame, FrameDecoder } from "../../packages/platform/dist/sandbox/frames.js";

const runtimes = Number(process.env.RUNTIMES ?? "10");
const bootstrap = resolve(import.meta.dirname, "../../packages/runtimes/node/bootstrap.mjs");
const task = resolve(import.meta.dirname, "../../test/fixtures/functions/node/hello");

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
  const runtime = { socket: child.stdio[3], pending: undefined };
  const decoder = new FrameDecoder();
  runtime.socket.on("data", (chunk) => {
    for (const { header, body } of decoder.push(chunk)) {
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
        runtime.socket.write(encodeFrame(header, Buffer.concat(chunks)));
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      res.end(body);
    });
  })
  .listen(0, "127.0.0.1", function () {
    console.log(String(this.address().port));
  });
