import { type ChildProcess, spawn } from "node:child_process";
import { Agent, request } from "node:http";
import autocannon from "autocannon";
import { type NimbusProcess, startNimbusProcess } from "../lib/nimbus-process.js";
import { fmt } from "../lib/report.js";

const SMALL = 4 * 1024;
const LARGE = 16 * 1024 * 1024;

/**
 * The floor: a plain Node http server in its own process that stores a PUT body the way Nimbus
 * does (stream to a temp file, fsync, rename into place) and streams a GET from the file.
 */
const FLOOR_SOURCE = `
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nimbus-floor-"));
let n = 0;
const server = http.createServer((req, res) => {
  const file = path.join(dir, encodeURIComponent(req.url));
  if (req.method === "PUT") {
    const temp = path.join(dir, "tmp-" + n++);
    const out = fs.createWriteStream(temp);
    req.pipe(out);
    out.on("finish", () => {
      const fd = fs.openSync(temp, "r+");
      fs.fsync(fd, () => {
        fs.closeSync(fd);
        fs.rename(temp, file, () => { res.writeHead(200, { etag: '"x"', "content-length": "0" }); res.end(); });
      });
    });
    return;
  }
  fs.stat(file, (error, stat) => {
    if (error) { res.writeHead(404, { "content-length": "0" }); return res.end(); }
    res.writeHead(200, { "content-length": String(stat.size) });
    fs.createReadStream(file).pipe(res);
  });
});
process.on("SIGTERM", () => { fs.rmSync(dir, { recursive: true, force: true }); process.exit(0); });
server.listen(0, "127.0.0.1", () => console.log(String(server.address().port)));
`;

async function startFloor(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["-e", FLOOR_SOURCE], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`floor server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const HEADERS = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-type": "application/octet-stream" };

/** One request with a keep-alive agent; resolves with the bytes received. */
function send(agent: Agent, url: string, method: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: body ? { ...HEADERS, "content-length": String(body.length) } : {} },
      (res) => {
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
        });
        res.on("end", () =>
          res.statusCode && res.statusCode < 300
            ? resolve(size)
            : reject(new Error(`${method} ${url}: ${res.statusCode}`)),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Row {
  small: { put: number; get: number };
  large: { put: number; get: number };
}

async function measure(base: string, seconds: number, largeCount: number): Promise<Row> {
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  const small = Buffer.alloc(SMALL, 7);
  await send(agent, `${base}/small.bin`, "PUT", small);
  const run = async (method: "PUT" | "GET") => {
    const result = await autocannon({
      url: `${base}/small.bin`,
      connections: 10,
      duration: seconds,
      method,
      ...(method === "PUT" ? { body: small, headers: { ...HEADERS } } : {}),
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${method} 4 KB: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return result.requests.average;
  };
  const smallPut = await run("PUT");
  const smallGet = await run("GET");
  const large = Buffer.alloc(LARGE);
  for (let i = 0; i < large.length; i += 4) large.writeUInt32LE(i, i);
  const mbps = async (method: "PUT" | "GET") => {
    const start = performance.now();
    for (let i = 0; i < largeCount; i++)
      await send(agent, `${base}/large-${i % 4}.bin`, method, method === "PUT" ? large : undefined);
    return (largeCount * LARGE) / (1024 * 1024) / ((performance.now() - start) / 1000);
  };
  const largePut = await mbps("PUT");
  const largeGet = await mbps("GET");
  agent.destroy();
  return { small: { put: smallPut, get: smallGet }, large: { put: largePut, get: largeGet } };
}

/**
 * Issue 5's object benchmarks: PutObject/GetObject of 4 KB objects (requests/s at 10
 * connections) and of 16 MB objects (MB/s, one at a time), beside the plain-Node floor measured
 * in the same run.
 */
export async function objectBenchmarks(options: { seconds: number; largeCount: number }): Promise<string[]> {
  process.stderr.write("objects: floor...\n");
  const floor = await startFloor();
  let floorRow: Row;
  try {
    floorRow = await measure(floor.url, options.seconds, options.largeCount);
  } finally {
    await floor.stop();
  }
  process.stderr.write("objects: nimbus...\n");
  // No pre-started function environments: nothing but the object path uses the CPU.
  const nimbus: NimbusProcess = await startNimbusProcess(["--prestart", "0"]);
  let nimbusRow: Row;
  try {
    await send(new Agent(), `${nimbus.url}/bench`, "PUT", Buffer.alloc(0));
    nimbusRow = await measure(`${nimbus.url}/bench`, options.seconds, options.largeCount);
  } finally {
    await nimbus.stop();
  }
  const line = (what: string, unit: string, n: number, f: number) =>
    `| ${what} | ${fmt(n, unit === "MB/s" ? 1 : 0)} ${unit} | ${fmt(f, unit === "MB/s" ? 1 : 0)} ${unit} | **${fmt(n / f, 2)}** |`;
  const lines = [
    "### Object PUT/GET vs a plain Node server writing the same bytes to disk",
    "",
    "Nimbus runs in its own process (`nimbus server`, embedded SQLite key index, bytes under",
    "`<dataDir>/objects`); the floor is a plain Node http server in its own process that streams a",
    "PUT body to a temp file, fsyncs it and renames it into place (what Nimbus does before its 200)",
    "and streams GETs from the file. Requests are unsigned path-style S3 calls",
    "(`x-amz-content-sha256: UNSIGNED-PAYLOAD`) over keep-alive connections; 4 KB objects with",
    `autocannon at 10 connections for ${options.seconds} s (one key, overwritten), 16 MB objects one at a`,
    `time (${options.largeCount} PUTs then ${options.largeCount} GETs over 4 keys).`,
    "",
    "| scenario | Nimbus | floor | Nimbus / floor |",
    "|---|---|---|---|",
    line("PutObject 4 KB, 10 connections", "req/s", nimbusRow.small.put, floorRow.small.put),
    line("GetObject 4 KB, 10 connections", "req/s", nimbusRow.small.get, floorRow.small.get),
    line("PutObject 16 MB, sequential", "MB/s", nimbusRow.large.put, floorRow.large.put),
    line("GetObject 16 MB, sequential", "MB/s", nimbusRow.large.get, floorRow.large.get),
    "",
    "Nimbus's PUT also hashes MD5 (the ETag) while streaming (SHA-256 only when a header asks for it), and commits the key index",
    "row (and any notification) in SQLite; its GET reads the index row before streaming the file.",
  ];
  return [lines.join("\n")];
}
