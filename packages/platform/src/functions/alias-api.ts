import type { AwsRequest } from "../aws/http-types.js";
import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import type { AliasRecord } from "./alias-model.js";
import type { AliasInput, AliasService } from "./alias-service.js";
import { functionsError } from "./errors.js";
import type { FunctionService } from "./function-service.js";

const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const VERSION = /^(\$LATEST|[0-9]+)$/;

/** Alias operations (restJson1, lambda-api.md section 4.3). */
export function addAliasRoutes(router: RestRouter, aliases: AliasService, functions: FunctionService): void {
  const shape = (a: AliasRecord) => ({
    AliasArn: functions.arn(a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(Object.keys(a.additionalVersionWeights).length > 0
      ? { RoutingConfig: { AdditionalVersionWeights: a.additionalVersionWeights } }
      : {}),
    RevisionId: a.revisionId,
  });
  const base = "/2015-03-31/functions/{FunctionName}/aliases";

  router.add("POST", base, async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const name = reader.string("Name", { min: 1, max: 128, pattern: ALIAS_NAME });
    const input = readAliasInput(reader);
    reader.done();
    if (name === undefined) throw functionsError.invalid("Name is required.");
    return jsonResult(201, shape(await aliases.create(p.FunctionName ?? "", name, input)));
  });

  router.add("GET", base, async (req, p) => {
    const version = req.query.get("FunctionVersion") ?? undefined;
    const all = await aliases.list(p.FunctionName ?? "", version);
    const page = paginate(req, all);
    return jsonResult(200, {
      Aliases: page.items.map(shape),
      ...(page.next ? { NextMarker: page.next } : {}),
    });
  });

  router.add("GET", `${base}/{Name}`, async (_req, p) =>
    jsonResult(200, shape(await aliases.get(p.FunctionName ?? "", p.Name ?? ""))),
  );

  router.add("PUT", `${base}/{Name}`, async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const input = readAliasInput(reader);
    const revisionId = reader.string("RevisionId");
    reader.done();
    return jsonResult(
      200,
      shape(await aliases.update(p.FunctionName ?? "", p.Name ?? "", input, revisionId)),
    );
  });

  router.add("DELETE", `${base}/{Name}`, async (_req, p) => {
    await aliases.delete(p.FunctionName ?? "", p.Name ?? "");
    return jsonResult(204, undefined);
  });
}

function readAliasInput(reader: WireReader): AliasInput {
  const functionVersion = reader.string("FunctionVersion", { min: 1, max: 1024, pattern: VERSION });
  const description = reader.string("Description", { max: 256 });
  const routing = reader.object("RoutingConfig");
  let weights: Record<string, number> | undefined;
  if (routing !== undefined) {
    const raw = routing.AdditionalVersionWeights ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw functionsError.invalid("AdditionalVersionWeights must be a map.");
    weights = {};
    for (const [version, weight] of Object.entries(raw)) {
      if (typeof weight !== "number")
        throw functionsError.invalid(`Weight of version ${version} must be a number.`);
      weights[version] = weight;
    }
  }
  return { functionVersion, description, additionalVersionWeights: weights };
}

function paginate<T>(req: AwsRequest, items: T[]): { items: T[]; next?: string } {
  const max = Math.min(Number(req.query.get("MaxItems") ?? "50") || 50, 10000);
  const marker = req.query.get("Marker");
  const start = marker ? Number(Buffer.from(marker, "base64url").toString()) || 0 : 0;
  const slice = items.slice(start, start + max);
  return start + max < items.length
    ? { items: slice, next: Buffer.from(String(start + max)).toString("base64url") }
    : { items: slice };
}
