import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireAwsCli } from "../support/aws-cli.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const run = promisify(execFile);
const cli = requireAwsCli();

/**
 * `aws cloudformation package` (and `deploy`'s own uploads) create their S3 client without the
 * `--endpoint-url` override, and the Debian CLI (2.9) predates the AWS_ENDPOINT_URL /
 * AWS_ENDPOINT_URL_S3 variables (2.13+). A CLI plugin that sends S3 requests to Nimbus is what
 * works: `[plugins] cli_legacy_plugin_path` in the config file names a folder with this module.
 */
const PLUGIN = `
import os
from urllib.parse import urlsplit

NIMBUS = os.environ["NIMBUS_S3_ENDPOINT"].rstrip("/")

def _to_nimbus(request, **kwargs):
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    path = parts.path or "/"
    marker = ".s3."
    if marker in host and not host.startswith("s3."):
        path = "/" + host.split(marker)[0] + path   # virtual-host style -> path style
    request.url = NIMBUS + path + ("?" + parts.query if parts.query else "")
    request.headers.pop("Host", None)

def awscli_initialize(cli):
    cli.register("before-send.s3", _to_nimbus)
`;

const TEMPLATE = `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./src
      Handler: index.handler
      Runtime: nodejs20.x
Outputs:
  FunctionName:
    Value: !Ref Hello
`;

describe.skipIf(!cli)("stacks: aws cloudformation package and deploy (Debian AWS CLI)", () => {
  let nimbus: TestNimbus;
  let dir: string;
  let env: Record<string, string>;

  const aws = async (args: string[]) => {
    try {
      const { stdout } = await run(cli as string, ["--endpoint-url", nimbus.url, "--no-cli-pager", ...args], {
        env,
        cwd: dir,
        timeout: 120_000,
      });
      return { code: 0, stdout };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  };

  beforeAll(async () => {
    nimbus = await startNimbus();
    dir = await mkdtemp(join(tmpdir(), "nimbus-cfn-cli-"));
    await mkdir(join(dir, "src"));
    await mkdir(join(dir, "plugin"));
    await writeFile(join(dir, "plugin", "nimbus_s3_endpoint.py"), PLUGIN);
    await writeFile(
      join(dir, "config"),
      `[default]\nregion = us-east-1\n[plugins]\ncli_legacy_plugin_path = ${join(dir, "plugin")}\nnimbus_s3 = nimbus_s3_endpoint\n`,
    );
    await writeFile(
      join(dir, "src", "index.js"),
      `exports.handler = async (event) => ({ hello: event.name ?? "world" });\n`,
    );
    await writeFile(join(dir, "template.yaml"), TEMPLATE);
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_PAGER: "",
      NIMBUS_S3_ENDPOINT: nimbus.url,
    };
    const s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "cli-artifacts" }));
    s3.destroy();
  });
  afterAll(async () => {
    await nimbus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("packages to a Nimbus bucket, deploys, invokes, and says there is nothing to deploy the second time", async () => {
    const packaged = await aws([
      "cloudformation",
      "package",
      "--template-file",
      "template.yaml",
      "--s3-bucket",
      "cli-artifacts",
      "--output-template-file",
      "out.yaml",
    ]);
    expect(packaged.code, packaged.stdout).toBe(0);
    const out = await readFile(join(dir, "out.yaml"), "utf8");
    expect(out).toMatch(/CodeUri: s3:\/\/cli-artifacts\/[0-9a-f]{32}/);

    const deploy = () =>
      aws([
        "cloudformation",
        "deploy",
        "--template-file",
        "out.yaml",
        "--stack-name",
        "cli-app",
        "--capabilities",
        "CAPABILITY_IAM",
      ]);
    const first = await deploy();
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toContain("Successfully created/updated stack - cli-app");

    const described = await aws([
      "cloudformation",
      "describe-stacks",
      "--stack-name",
      "cli-app",
      "--output",
      "json",
    ]);
    const stack = JSON.parse(described.stdout).Stacks[0];
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    const fn = stack.Outputs.find((o: { OutputKey: string }) => o.OutputKey === "FunctionName").OutputValue;
    const invoked = await aws([
      "lambda",
      "invoke",
      "--function-name",
      fn,
      "--cli-binary-format",
      "raw-in-base64-out",
      "--payload",
      '{"name":"cli"}',
      join(dir, "answer.json"),
    ]);
    expect(invoked.code, invoked.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "answer.json"), "utf8"))).toEqual({ hello: "cli" });

    const second = await deploy();
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain("No changes to deploy");

    const deleted = await aws(["cloudformation", "delete-stack", "--stack-name", "cli-app"]);
    expect(deleted.code).toBe(0);
    const waited = await aws(["cloudformation", "wait", "stack-delete-complete", "--stack-name", "cli-app"]);
    expect(waited.code, waited.stdout).toBe(0);
  });
});
