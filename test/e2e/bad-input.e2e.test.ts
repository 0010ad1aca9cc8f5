import { join } from "node:path";
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { FIXTURES, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipDirectory, zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;
let hello: Buffer;

beforeAll(async () => {
  nimbus = await startNimbus();
  hello = await zipDirectory(join(FIXTURES, "node/hello"));
});

afterAll(async () => {
  await nimbus.stop();
});

const base = () => ({
  Runtime: "nodejs20.x" as const,
  Handler: "index.handler",
  Role: ROLE,
  Code: { ZipFile: hello },
});

async function rejectsWith(
  name: string,
  input: Record<string, unknown>,
  errorName: string,
  message?: RegExp,
): Promise<void> {
  const error = await nimbus.lambda
    .send(new CreateFunctionCommand({ ...base(), FunctionName: name, ...input } as never))
    .catch((e: unknown) => e);
  expect((error as Error).name).toBe(errorName);
  if (message) expect((error as Error).message).toMatch(message);
  // No partial function is left behind, and the server keeps serving.
  const listed = await nimbus.lambda.send(new ListFunctionsCommand({}));
  expect((listed.Functions ?? []).map((f) => f.FunctionName)).not.toContain(name);
  if (/^[a-zA-Z0-9-_]{1,64}$/.test(name)) {
    await expect(nimbus.lambda.send(new GetFunctionCommand({ FunctionName: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  }
}

/** POSTs a raw body to CreateFunction (what a hand-rolled client might send). */
async function rawCreate(
  body: string,
): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(`${nimbus.url}/2015-03-31/functions`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  return {
    status: res.status,
    type: res.headers.get("x-amzn-errortype"),
    json: (await res.json()) as Record<string, unknown>,
  };
}

function rawZip(entries: { name: string; data: string; mode?: number }[]): Promise<Buffer> {
  // yazl refuses unsafe names, so write safe placeholders of equal length and patch the bytes.
  const zip = new ZipFile();
  const placeholders = entries.map((e, i) => `${String(i).padStart(e.name.length, "x")}`);
  for (const [i, e] of entries.entries()) {
    zip.addBuffer(Buffer.from(e.data), placeholders[i] ?? "", { mode: e.mode ?? 0o100644, compress: false });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => {
      let buf = Buffer.concat(chunks);
      entries.forEach((e, i) => {
        buf = Buffer.from(
          buf
            .toString("latin1")
            .split(placeholders[i] ?? "")
            .join(e.name),
          "latin1",
        );
      });
      resolve(buf);
    });
    zip.end();
  });
}

describe("bad input gets the AWS error and leaves nothing behind", () => {
  it("malformed JSON body -> SerializationException 400", async () => {
    const res = await rawCreate("{not json");
    expect(res.status).toBe(400);
    expect(res.type).toBe("SerializationException");
  });

  it("wrong member types -> SerializationException", async () => {
    const res = await rawCreate(
      JSON.stringify({
        FunctionName: "t1",
        MemorySize: "big",
        Role: ROLE,
        Runtime: "nodejs20.x",
        Handler: "a.b",
        Code: { ZipFile: hello.toString("base64") },
      }),
    );
    expect(res.status).toBe(400);
    expect(res.type).toBe("SerializationException");
  });

  it("unknown runtime -> ValidationException naming the enum", async () => {
    await rejectsWith(
      "bad-runtime",
      { Runtime: "cobol1.0" },
      "ValidationException",
      /at 'runtime' failed to satisfy constraint/,
    );
  });

  it("an AWS runtime Nimbus cannot run -> InvalidParameterValueException naming it", async () => {
    await rejectsWith(
      "java-fn",
      { Runtime: "java21" },
      "InvalidParameterValueException",
      /java21 is not supported by Nimbus/,
    );
  });

  it("memory and timeout out of range -> ValidationException", async () => {
    await rejectsWith("bad-mem", { MemorySize: 64 }, "ValidationException", /greater than or equal to 128/);
    await rejectsWith(
      "bad-mem2",
      { MemorySize: 20000 },
      "ValidationException",
      /less than or equal to 10240/,
    );
    await rejectsWith("bad-timeout", { Timeout: 0 }, "ValidationException", /timeout/);
  });

  it("names that break the naming rules -> ValidationException", async () => {
    await rejectsWith("bad name!", {}, "ValidationException", /functionName/);
    await rejectsWith("x".repeat(65), {}, "InvalidParameterValueException", /longer than 64/);
  });

  it("Environment over 4 KB and reserved keys -> InvalidParameterValueException", async () => {
    await rejectsWith(
      "big-env",
      { Environment: { Variables: { BIG: "x".repeat(5000) } } },
      "InvalidParameterValueException",
      /exceeded the 4KB limit/,
    );
    await rejectsWith(
      "reserved-env",
      { Environment: { Variables: { AWS_REGION: "x" } } },
      "InvalidParameterValueException",
      /reserved keys/,
    );
  });

  it("a non-zip archive -> InvalidParameterValueException", async () => {
    await rejectsWith(
      "not-zip",
      { Code: { ZipFile: Buffer.from("this is not a zip file at all") } },
      "InvalidParameterValueException",
      /Could not unzip/,
    );
  });

  it("archive entries escaping the root -> InvalidParameterValueException", async () => {
    const traversal = await rawZip([{ name: "../../evil.js", data: "x" }]);
    await rejectsWith("zip-traversal", { Code: { ZipFile: traversal } }, "InvalidParameterValueException");
    const absolute = await rawZip([{ name: "/etc/evil.js", data: "x" }]);
    await rejectsWith("zip-absolute", { Code: { ZipFile: absolute } }, "InvalidParameterValueException");
    const symlink = await zipFiles({
      "index.js": "exports.handler=()=>1",
      link: { content: "/etc/passwd", mode: 0o120777 },
    });
    await rejectsWith("zip-symlink", { Code: { ZipFile: symlink } }, "InvalidParameterValueException");
  });

  it("an archive that unpacks past 250 MB -> InvalidParameterValueException", async () => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.alloc(270 * 1024 * 1024), "zeros.bin");
    const bomb = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
      zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
      zip.end();
    });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await rejectsWith(
      "zip-bomb",
      { Code: { ZipFile: bomb } },
      "InvalidParameterValueException",
      /Unzipped size must be smaller than 262144000 bytes/,
    );
  });

  it("unsupported features are refused by name, not ignored", async () => {
    await rejectsWith(
      "vpc",
      { VpcConfig: { SubnetIds: ["subnet-1"], SecurityGroupIds: ["sg-1"] } },
      "InvalidParameterValueException",
      /VPC/,
    );
    // A dead-letter target must be a queue or a topic (docs/async-invocation.md).
    await rejectsWith(
      "dlq",
      { DeadLetterConfig: { TargetArn: "arn:aws:lambda:us-east-1:000000000000:function:other" } },
      "InvalidParameterValueException",
      /DeadLetterConfig/,
    );
    await rejectsWith(
      "xray",
      { TracingConfig: { Mode: "Active" } },
      "InvalidParameterValueException",
      /X-Ray/,
    );
  });

  it("unknown operations get UnknownOperationException", async () => {
    const res = await fetch(`${nimbus.url}/2015-03-31/nothing-here`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });

  it("keeps serving invocations after all of the above", async () => {
    await createFixtureFunction(nimbus.lambda, "still-alive", "node/hello");
    const { json } = await invokeJson(nimbus.lambda, "still-alive");
    expect(json).toEqual({ message: "hello" });
  });
});
