import type { JsonOperation } from "../../aws/json-rpc.js";
import { WireReader } from "../../aws/wire-validation.js";
import { workflowError } from "../errors.js";
import type { RoutingEntry } from "../service/alias-service.js";
import type { MachineTargets } from "../service/machine-targets.js";
import { parseMachineTarget } from "../service/names.js";
import { offsetOf, page, seconds } from "./wire.js";

const invalidToken = () => workflowError.invalidToken("Invalid Token");

function need(reader: WireReader, member: string, value: string | undefined): string {
  if (value === undefined) reader.fail("null", member, "Member must not be null");
  reader.done();
  return value ?? "";
}

function maxResults(reader: WireReader): number {
  const n = reader.integer("maxResults", { min: 0, max: 1000 });
  return n === undefined || n === 0 ? 100 : n;
}

/** `routingConfiguration` as the wire gives it: 1-2 `{stateMachineVersionArn, weight}`. */
function routing(input: Record<string, unknown>, reader: WireReader): RoutingEntry[] | undefined {
  const value = input.routingConfiguration;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw workflowError.validation("routingConfiguration must be a list", "INVALID_ROUTING_CONFIGURATION");
  if (value.length < 1 || value.length > 2)
    reader.fail(
      JSON.stringify(value),
      "routingConfiguration",
      "Member must have length less than or equal to 2 and greater than or equal to 1",
    );
  reader.done();
  return value.map((entry: unknown) => {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof e.stateMachineVersionArn !== "string" || typeof e.weight !== "number")
      throw workflowError.validation(
        "Each routing entry needs a stateMachineVersionArn and a weight",
        "INVALID_ROUTING_CONFIGURATION",
      );
    return { stateMachineVersionArn: e.stateMachineVersionArn, weight: e.weight };
  });
}

/**
 * State machine versions and aliases: PublishStateMachineVersion, ListStateMachineVersions,
 * DeleteStateMachineVersion and the five alias operations.
 */
export function versionOperations(targets: MachineTargets): Record<string, JsonOperation> {
  const { versions, aliases, machines } = targets;
  return {
    async PublishStateMachineVersion(input) {
      const r = new WireReader(input);
      const arn = r.string("stateMachineArn");
      const revisionId = r.string("revisionId");
      const description = r.string("description", { max: 256 });
      need(r, "stateMachineArn", arn);
      await machines.get(arn ?? "");
      const v = await versions.publish(arn ?? "", {
        ...(revisionId !== undefined && { revisionId }),
        ...(description !== undefined && { description }),
      });
      return { creationDate: seconds(v.createdAt), stateMachineVersionArn: v.arn };
    },
    async ListStateMachineVersions(input) {
      const r = new WireReader(input);
      const arn = r.string("stateMachineArn");
      const max = maxResults(r);
      const token = r.string("nextToken");
      await machines.get(need(r, "stateMachineArn", arn));
      const all = await versions.list(arn ?? "");
      const { items, nextToken } = page(all, offsetOf(token, invalidToken), max);
      return {
        stateMachineVersions: items.map((v) => ({
          stateMachineVersionArn: v.arn,
          creationDate: seconds(v.createdAt),
        })),
        ...(nextToken && { nextToken }),
      };
    },
    async DeleteStateMachineVersion(input) {
      const r = new WireReader(input);
      await targets.deleteVersion(need(r, "stateMachineVersionArn", r.string("stateMachineVersionArn")));
      return {};
    },
    async CreateStateMachineAlias(input) {
      const r = new WireReader(input);
      const name = r.string("name", { min: 1, max: 80 });
      const description = r.string("description", { max: 256 });
      const entries = routing(input, r);
      need(r, "name", name);
      if (!entries) need(r, "routingConfiguration", undefined);
      const a = await aliases.create(name ?? "", entries ?? [], description);
      return { stateMachineAliasArn: a.arn, creationDate: seconds(a.createdAt) };
    },
    async DescribeStateMachineAlias(input) {
      const r = new WireReader(input);
      const a = await aliases.get(need(r, "stateMachineAliasArn", r.string("stateMachineAliasArn")));
      return {
        stateMachineAliasArn: a.arn,
        name: a.name,
        ...(a.description !== undefined && { description: a.description }),
        routingConfiguration: a.routing,
        creationDate: seconds(a.createdAt),
        updateDate: seconds(a.updatedAt),
      };
    },
    async UpdateStateMachineAlias(input) {
      const r = new WireReader(input);
      const arn = r.string("stateMachineAliasArn");
      const description = r.string("description", { max: 256 });
      const entries = routing(input, r);
      const a = await aliases.update(need(r, "stateMachineAliasArn", arn), {
        ...(description !== undefined && { description }),
        ...(entries && { routing: entries }),
      });
      return { updateDate: seconds(a.updatedAt) };
    },
    async DeleteStateMachineAlias(input) {
      const r = new WireReader(input);
      await aliases.delete(need(r, "stateMachineAliasArn", r.string("stateMachineAliasArn")));
      return {};
    },
    async ListStateMachineAliases(input) {
      const r = new WireReader(input);
      const arn = r.string("stateMachineArn");
      const max = maxResults(r);
      const token = r.string("nextToken");
      need(r, "stateMachineArn", arn);
      const target = parseMachineTarget(arn ?? "");
      await machines.get(target.machineArn);
      const all = await aliases.list(target.machineArn);
      const { items, nextToken } = page(all, offsetOf(token, invalidToken), max);
      return {
        stateMachineAliases: items.map((a) => ({
          stateMachineAliasArn: a.arn,
          creationDate: seconds(a.createdAt),
        })),
        ...(nextToken && { nextToken }),
      };
    },
  };
}
