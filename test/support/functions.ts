import { join } from "node:path";
import {
  CreateFunctionCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  type LambdaClient,
  type Runtime,
} from "@aws-sdk/client-lambda";
import { FIXTURES, payloadJson, ROLE } from "./nimbus.js";
import { zipDirectory } from "./zip.js";

/** Creates a function from a fixture folder (`node/hello`, `python/raises`, ...). */
export async function createFixtureFunction(
  lambda: LambdaClient,
  name: string,
  fixture: string,
  options: {
    runtime?: string;
    handler?: string;
    timeout?: number;
    memory?: number;
    env?: Record<string, string>;
    ephemeralStorage?: number;
  } = {},
): Promise<void> {
  const zip = await zipDirectory(join(FIXTURES, fixture));
  const python = fixture.startsWith("python/");
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: (options.runtime ?? (python ? "python3.11" : "nodejs20.x")) as Runtime,
      Handler: options.handler ?? "index.handler",
      Role: ROLE,
      Code: { ZipFile: zip },
      Timeout: options.timeout ?? 10,
      MemorySize: options.memory ?? 256,
      ...(options.env ? { Environment: { Variables: options.env } } : {}),
      ...(options.ephemeralStorage ? { EphemeralStorage: { Size: options.ephemeralStorage } } : {}),
    }),
  );
}

export interface Invoked {
  out: InvokeCommandOutput;
  json: unknown;
  log: string;
}

/** Invokes with the log tail and decodes payload and log. */
export async function invokeJson(
  lambda: LambdaClient,
  name: string,
  event: unknown = {},
  extra: { qualifier?: string; clientContext?: string } = {},
): Promise<Invoked> {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: "Tail",
      ...(extra.qualifier ? { Qualifier: extra.qualifier } : {}),
      ...(extra.clientContext ? { ClientContext: extra.clientContext } : {}),
    }),
  );
  return {
    out,
    json: out.Payload && out.Payload.length > 0 ? payloadJson(out.Payload) : undefined,
    log: Buffer.from(out.LogResult ?? "", "base64").toString("utf8"),
  };
}
