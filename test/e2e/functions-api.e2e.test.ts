import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipDirectory, zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;
let helloZip: Buffer;

beforeAll(async () => {
  nimbus = await startNimbus();
  helloZip = await zipDirectory(join(FIXTURES, "node/hello"));
});

afterAll(async () => {
  await nimbus.stop();
});

const create = (name: string, extra: Record<string, unknown> = {}) =>
  nimbus.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      Code: { ZipFile: helloZip },
      ...extra,
    }),
  );

describe("Lambda control plane through @aws-sdk/client-lambda", () => {
  it("creates a function with AWS's FunctionConfiguration fields and defaults", async () => {
    const out = await create("api-create", { Description: "d", Environment: { Variables: { AB: "1" } } });
    expect(out.FunctionName).toBe("api-create");
    expect(out.FunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:api-create");
    expect(out.Runtime).toBe("nodejs20.x");
    expect(out.Timeout).toBe(3);
    expect(out.MemorySize).toBe(128);
    expect(out.Version).toBe("$LATEST");
    expect(out.State).toBe("Active");
    expect(out.LastUpdateStatus).toBe("Successful");
    expect(out.PackageType).toBe("Zip");
    expect(out.Architectures).toEqual(["x86_64"]);
    expect(out.EphemeralStorage).toEqual({ Size: 512 });
    expect(out.Environment?.Variables).toEqual({ AB: "1" });
    expect(out.CodeSha256).toBe(createHash("sha256").update(helloZip).digest("base64"));
    expect(out.CodeSize).toBe(helloZip.length);
    expect(out.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    await waitUntilFunctionActiveV2(
      { client: nimbus.lambda, maxWaitTime: 10 },
      { FunctionName: "api-create" },
    );
  });

  it("refuses a second function with the same name with ResourceConflictException", async () => {
    await create("api-dup");
    await expect(create("api-dup")).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it("serves the archive at GetFunction's Code.Location", async () => {
    await create("api-get");
    const out = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: "api-get" }));
    expect(out.Configuration?.FunctionName).toBe("api-get");
    expect(out.Code?.RepositoryType).toBe("S3");
    const res = await fetch(out.Code?.Location ?? "");
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(helloZip)).toBe(true);
    const tampered = await fetch(`${out.Code?.Location ?? ""}0`);
    expect(tampered.status).toBe(403);
  });

  it("finds functions by name, partial ARN and full ARN", async () => {
    await create("api-arn");
    for (const name of [
      "api-arn",
      "000000000000:function:api-arn",
      "arn:aws:lambda:us-east-1:000000000000:function:api-arn",
    ]) {
      const out = await nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      expect(out.FunctionName).toBe("api-arn");
    }
  });

  it("answers ResourceNotFoundException for a missing function", async () => {
    const error = await nimbus.lambda
      .send(new GetFunctionCommand({ FunctionName: "nope" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toContain(
      "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
    );
  });

  it("lists functions with Marker/MaxItems pagination and no NextMarker on the last page", async () => {
    for (const n of ["page-a", "page-b", "page-c"]) await create(n);
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await nimbus.lambda.send(
        new ListFunctionsCommand({ MaxItems: 2, ...(marker ? { Marker: marker } : {}) }),
      );
      names.push(...(out.Functions ?? []).map((f) => f.FunctionName ?? ""));
      marker = out.NextMarker;
      pages++;
    } while (marker);
    expect(names).toEqual(expect.arrayContaining(["page-a", "page-b", "page-c"]));
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBeGreaterThan(1);
  });

  it("updates configuration and code, changing RevisionId and honouring it as a precondition", async () => {
    const created = await create("api-update");
    const updated = await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "api-update",
        MemorySize: 256,
        Timeout: 10,
        RevisionId: created.RevisionId,
      }),
    );
    expect(updated.MemorySize).toBe(256);
    expect(updated.Timeout).toBe(10);
    expect(updated.RevisionId).not.toBe(created.RevisionId);
    await waitUntilFunctionUpdatedV2(
      { client: nimbus.lambda, maxWaitTime: 10 },
      { FunctionName: "api-update" },
    );
    const stale = await nimbus.lambda
      .send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: "api-update",
          Timeout: 5,
          RevisionId: created.RevisionId,
        }),
      )
      .catch((e: unknown) => e);
    expect((stale as Error).name).toBe("PreconditionFailedException");
    const newZip = await zipFiles({ "index.js": "exports.handler = async () => 'v2';" });
    const code = await nimbus.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: "api-update", ZipFile: newZip }),
    );
    expect(code.CodeSha256).toBe(createHash("sha256").update(newZip).digest("base64"));
    expect(code.MemorySize).toBe(256);
  });

  it("publishes versions on create and on demand", async () => {
    const published = await create("api-publish", { Publish: true });
    expect(published.Version).toBe("1");
    expect(published.FunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:api-publish:1");
    const again = await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "api-publish" }));
    expect(again.Version).toBe("1");
    const v1 = await nimbus.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "api-publish", Qualifier: "1" }),
    );
    expect(v1.Version).toBe("1");
  });

  it("tags, lists and untags a function by ARN", async () => {
    const out = await create("api-tags", { Tags: { team: "a" } });
    const arn = out.FunctionArn ?? "";
    await nimbus.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { env: "dev" } }));
    expect((await nimbus.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({
      team: "a",
      env: "dev",
    });
    await nimbus.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ["team"] }));
    expect((await nimbus.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ env: "dev" });
  });

  it("deletes a function and every version", async () => {
    await create("api-delete", { Publish: true });
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "api-delete" }));
    await expect(
      nimbus.lambda.send(new GetFunctionCommand({ FunctionName: "api-delete", Qualifier: "1" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("reports account limits and usage", async () => {
    const out = await nimbus.lambda.send(new GetAccountSettingsCommand({}));
    expect(out.AccountLimit?.ConcurrentExecutions).toBe(1000);
    expect(out.AccountLimit?.CodeSizeUnzipped).toBe(262144000);
    expect(out.AccountUsage?.FunctionCount).toBeGreaterThan(0);
  });
});
