import { describe, expect, it } from "vitest";
import { DEFAULT_FUNCTION_SETTINGS, type FunctionConfig } from "../functions/index.js";
import { BubblewrapDriver, ProcessDriver, type SandboxDriver } from "../sandbox/index.js";
import { type EnvironmentPlan, planEnvironment } from "./environment-spec.js";

const CONFIG: FunctionConfig = {
  name: "fn",
  version: "$LATEST",
  ...DEFAULT_FUNCTION_SETTINGS,
  runtime: "nodejs20.x",
  handler: "index.handler",
  role: "arn:aws:iam::123456789012:role/r",
  logGroup: "/aws/lambda/fn",
  codeSha256: "",
  codeKey: "c".repeat(64),
  codeSizeBytes: 1,
  unzippedSizeBytes: 1,
  layers: [],
  revisionId: "r",
  lastModified: 0,
};
const NODE = { path: "/usr/bin/node", version: "20.1.0", folders: [] };
const PYTHON = { path: "/usr/bin/python3", version: "3.11.2", folders: [] };
const OPT_DIR = "/data/opt/abc";

function plan(
  driver: SandboxDriver,
  runtime: string,
  optDir: string | undefined,
  bootstrapInOpt = false,
): EnvironmentPlan {
  const paths = { environmentId: "e1", codeDir: "/data/code/c", runtimesDir: "/srv/runtimes" };
  const result = planEnvironment({
    config: { ...CONFIG, runtime },
    ...paths,
    optDir,
    bootstrapInOpt,
    layout: driver.layout({ ...paths, ...(optDir === undefined ? {} : { optDir }) }),
    interpreters: { node: NODE, python: PYTHON },
    scope: { region: "us-east-1", accountId: "123456789012" },
    endpointUrl: "http://127.0.0.1:1",
    maxProcesses: 10,
    nice: 10,
    nowMs: 0,
    hostPath: undefined,
    initializationType: "on-demand",
    credentials: { accessKeyId: "ASIANIMBUSTEST", secretAccessKey: "s", sessionToken: "t" },
    sdk: { nodeModules: "/srv/node_modules", entries: ["@aws-sdk", "tslib"] },
  });
  if ("error" in result) throw new Error(result.error);
  return result;
}

const bubblewrap = new BubblewrapDriver("/usr/bin/bwrap", undefined);
const processes = new ProcessDriver("/data/scratch", undefined);

describe("planEnvironment with layers", () => {
  it("mounts the merged layers at /opt under bubblewrap and keeps Lambda's /opt paths", () => {
    const { spec } = plan(bubblewrap, "nodejs20.x", OPT_DIR);
    expect(spec.optDir).toBe(OPT_DIR);
    expect(spec.env.NODE_PATH).toBe(
      "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules",
    );
    expect(spec.env.PATH?.endsWith(":/opt/bin")).toBe(true);
    expect(spec.env.LD_LIBRARY_PATH?.endsWith(":/opt/lib")).toBe(true);
    expect(plan(bubblewrap, "python3.11", OPT_DIR).spec.env.NIMBUS_OPT_DIR).toBeUndefined();
  });

  it("gives Node environments the runtime's AWS SDK and the function's own credentials", () => {
    const { spec } = plan(bubblewrap, "nodejs20.x", undefined);
    expect(spec.sdk).toEqual({ nodeModules: "/srv/node_modules", entries: ["@aws-sdk", "tslib"] });
    expect(spec.env.AWS_ACCESS_KEY_ID).toBe("ASIANIMBUSTEST");
    expect(spec.env.AWS_ENDPOINT_URL).toBe("http://127.0.0.1:1");
    expect(plan(bubblewrap, "python3.11", undefined).spec.sdk).toBeUndefined();
  });

  it("points the runtimes at the merged folder itself for plain processes", () => {
    const node = plan(processes, "nodejs20.x", OPT_DIR).spec;
    expect(node.env.NODE_PATH).toBe(
      `${OPT_DIR}/nodejs/node20/node_modules:${OPT_DIR}/nodejs/node_modules:/srv/node_modules`,
    );
    expect(node.env.PATH?.endsWith(`:${OPT_DIR}/bin`)).toBe(true);
    expect(node.env.LD_LIBRARY_PATH?.endsWith(`:${OPT_DIR}/lib`)).toBe(true);
    expect(plan(processes, "python3.11", OPT_DIR).spec.env.NIMBUS_OPT_DIR).toBe(OPT_DIR);
  });

  it("leaves the spec without an opt folder when the function has no layers", () => {
    const { spec } = plan(processes, "python3.11", undefined);
    expect("optDir" in spec).toBe(false);
    expect(spec.env.NIMBUS_OPT_DIR).toBeUndefined();
    expect(spec.env.PATH?.endsWith(":/opt/bin")).toBe(true);
  });

  it("starts a custom runtime's bootstrap from the layers when the code has none", () => {
    expect(plan(bubblewrap, "provided.al2023", OPT_DIR, true).spec.argv).toEqual(["/opt/bootstrap"]);
    expect(plan(bubblewrap, "provided.al2023", OPT_DIR, false).spec.argv).toEqual(["/var/task/bootstrap"]);
    expect(plan(processes, "provided.al2023", OPT_DIR, true).spec.argv).toEqual([`${OPT_DIR}/bootstrap`]);
  });
});
