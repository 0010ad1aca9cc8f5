import { header } from "../../aws/http-types.js";
import type { QueryOperation, QueryParams, QueryService } from "../../aws/query-protocol.js";
import type { OnFailure } from "../engine/operations.js";
import { transformList } from "../engine/plan.js";
import type { ChangeSetRecord, StackRecord, Tag } from "../engine/records.js";
import type { ChangeSetRequest, DeployRequest, StackEngine } from "../engine/stack-engine.js";
import { stackError } from "../errors.js";
import { templateToJson } from "../template/index.js";
import {
  capabilitiesOf,
  changeSetXml,
  eventXml,
  iso,
  resourceXml,
  stackXml,
  summaryOf,
  summaryXml,
} from "./xml.js";

export const CLOUDFORMATION_XML_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/** Header that turns strict mode on for one CreateChangeSet / CreateStack / UpdateStack. */
export const STRICT_HEADER = "x-nimbus-strict";

const PAGE = 100;

/**
 * Request parameters of CreateStack / UpdateStack / CreateChangeSet that Nimbus does not apply:
 * a request that gives one deploys with it listed as not applied (an error in strict mode).
 */
const IGNORED_PARAMETERS = [
  "RoleARN",
  "TimeoutInMinutes",
  "RollbackConfiguration",
  "StackPolicyBody",
  "StackPolicyURL",
  "StackPolicyDuringUpdateBody",
  "StackPolicyDuringUpdateURL",
  "EnableTerminationProtection",
  "ResourceTypes",
  "IncludeNestedStacks",
  "ImportExistingResources",
  "RetainExceptOnCreate",
  "DeploymentMode",
];

/** The CloudFormation API (awsQuery, version 2010-05-15): wire names in, XML result values out. */
export function createCloudFormationApi(engine: StackEngine): QueryService {
  const operations: Record<string, QueryOperation> = {
    CreateStack: async (p, req) => ({
      StackId: await engine.createStack(deployRequest(p, strictHeader(req.headers))),
    }),
    UpdateStack: async (p, req) => ({
      StackId: await engine.updateStack(deployRequest(p, strictHeader(req.headers))),
    }),
    DeleteStack: async (p) => {
      await engine.deleteStack(
        required(p, "StackName"),
        p.list("RetainResources"),
        p.get("ClientRequestToken"),
      );
      return undefined;
    },
    DescribeStacks: async (p) => {
      const name = p.get("StackName");
      const stacks = name
        ? [await engine.anyStack(name)]
        : (await engine.store.allStacks()).filter((s) => s.status !== "DELETE_COMPLETE").sort(newestFirst);
      const { items, next } = page(stacks, p.get("NextToken"));
      return { Stacks: { member: items.map(stackXml) }, NextToken: next };
    },
    ListStacks: async (p) => {
      const filter = new Set(p.list("StackStatusFilter"));
      const stacks = (await engine.store.allStacks())
        .filter((s) => filter.size === 0 || filter.has(s.status))
        .sort(newestFirst);
      const { items, next } = page(stacks, p.get("NextToken"));
      return { StackSummaries: { member: items.map(summaryXml) }, NextToken: next };
    },
    DescribeStackEvents: async (p) => {
      const stack = await engine.anyStack(required(p, "StackName"));
      const { items, next } = page(await engine.store.events(stack.stackId), p.get("NextToken"));
      return { StackEvents: { member: items.map(eventXml) }, NextToken: next };
    },
    DescribeStackResources: async (p) => {
      const name = p.get("StackName");
      const physicalId = p.get("PhysicalResourceId");
      if (!name && !physicalId)
        throw stackError.validation("Either StackName or PhysicalResourceId must be specified.");
      let stack: StackRecord | undefined;
      if (name) stack = await engine.anyStack(name);
      else {
        // The stack that holds a resource of that physical id (live stacks only, as AWS).
        for (const candidate of await engine.store.allStacks()) {
          if (candidate.status === "DELETE_COMPLETE") continue;
          const held = (await engine.store.getResources(candidate.stackId)).resources;
          if (Object.values(held).some((r) => r.physicalId === physicalId)) stack = candidate;
        }
        if (!stack) throw stackError.validation(`Stack for ${physicalId} does not exist`);
      }
      const found = stack;
      const logicalId = p.get("LogicalResourceId");
      const resources = Object.values((await engine.store.getResources(found.stackId)).resources).filter(
        (r) => logicalId === undefined || r.logicalId === logicalId,
      );
      return { StackResources: { member: resources.map((r) => resourceXml(found, r)) } };
    },
    DescribeStackResource: async (p) => {
      const stack = await engine.anyStack(required(p, "StackName"));
      const logicalId = required(p, "LogicalResourceId");
      const resource = (await engine.store.getResources(stack.stackId)).resources[logicalId];
      if (!resource)
        throw stackError.validation(`Resource ${logicalId} does not exist for stack ${stack.stackName}`);
      return {
        StackResourceDetail: {
          ...resourceXml(stack, resource),
          LastUpdatedTimestamp: iso(resource.updatedAt),
          Metadata: resource.metadata === undefined ? undefined : JSON.stringify(resource.metadata),
        },
      };
    },
    ListStackResources: async (p) => {
      const stack = await engine.anyStack(required(p, "StackName"));
      const all = Object.values((await engine.store.getResources(stack.stackId)).resources);
      const { items, next } = page(all, p.get("NextToken"));
      return {
        StackResourceSummaries: {
          member: items.map((r) => ({
            LogicalResourceId: r.logicalId,
            PhysicalResourceId: r.physicalId,
            ResourceType: r.type,
            LastUpdatedTimestamp: iso(r.updatedAt),
            ResourceStatus: r.status,
            ResourceStatusReason: r.statusReason,
            DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" },
          })),
        },
        NextToken: next,
      };
    },
    GetTemplate: async (p) => {
      const changeSetName = p.get("ChangeSetName");
      let inputs: StackRecord | ChangeSetRecord["inputs"];
      if (changeSetName) inputs = (await engine.findChangeSet(changeSetName, p.get("StackName"))).inputs;
      else inputs = await engine.anyStack(required(p, "StackName"));
      if (!inputs) throw stackError.changeSetNotFound(changeSetName ?? "");
      const processed = p.get("TemplateStage") === "Processed" && inputs.transformed;
      return {
        TemplateBody: processed ? templateToJson(inputs.processed) : inputs.templateBody,
        StagesAvailable: {
          member: inputs.transformed ? ["Original", "Processed"] : ["Original", "Processed"],
        },
      };
    },
    GetTemplateSummary: async (p) => {
      const stackName = p.get("StackName");
      if (stackName) {
        const stack = await engine.anyStack(stackName);
        return summaryOf(await engine.inspect({ templateBody: stack.templateBody }));
      }
      return summaryOf(
        await engine.inspect({ templateBody: p.get("TemplateBody"), templateUrl: p.get("TemplateURL") }),
      );
    },
    ValidateTemplate: async (p) => {
      const { original: template, processed } = await engine.inspect({
        templateBody: p.get("TemplateBody"),
        templateUrl: p.get("TemplateURL"),
      });
      const caps = capabilitiesOf(processed);
      return {
        Parameters: {
          member: Object.entries(template.Parameters ?? {}).map(([key, def]) => ({
            ParameterKey: key,
            DefaultValue: def.Default === undefined ? undefined : String(def.Default),
            NoEcho: def.NoEcho === true || def.NoEcho === "true",
            Description: def.Description,
          })),
        },
        Description: typeof template.Description === "string" ? template.Description : undefined,
        Capabilities: { member: caps.capabilities },
        CapabilitiesReason: caps.reason,
        DeclaredTransforms: { member: transformList(template) },
      };
    },
    CreateChangeSet: async (p, req) => {
      const request: ChangeSetRequest = {
        ...deployRequest(p, strictHeader(req.headers)),
        changeSetName: required(p, "ChangeSetName"),
        changeSetType: p.get("ChangeSetType") ?? "UPDATE",
        description: p.get("Description"),
      };
      const onStackFailure = p.get("OnStackFailure");
      if (onStackFailure !== undefined) {
        if (!["ROLLBACK", "DELETE", "DO_NOTHING"].includes(onStackFailure))
          throw stackError.validation("OnStackFailure must be one of ROLLBACK, DELETE or DO_NOTHING");
        request.onFailure = onStackFailure as OnFailure;
      }
      const { id, stackId } = await engine.createChangeSet(request);
      return { Id: id, StackId: stackId };
    },
    DescribeChangeSet: async (p) => {
      const changeSet = await engine.findChangeSet(required(p, "ChangeSetName"), p.get("StackName"));
      return changeSetXml(changeSet);
    },
    ExecuteChangeSet: async (p) => {
      const disable = p.get("DisableRollback");
      await engine.executeChangeSet(required(p, "ChangeSetName"), p.get("StackName"), {
        token: p.get("ClientRequestToken"),
        disableRollback: disable === undefined ? undefined : disable === "true",
      });
      return {};
    },
    DeleteChangeSet: async (p) => {
      await engine.deleteChangeSet(required(p, "ChangeSetName"), p.get("StackName"));
      return {};
    },
    ListChangeSets: async (p) => {
      const stack = await engine.anyStack(required(p, "StackName"));
      const all = await engine.store.changeSetsOf(stack.stackId);
      const { items, next } = page(all, p.get("NextToken"));
      return {
        Summaries: {
          member: items.map((c) => ({
            StackId: c.stackId,
            StackName: c.stackName,
            ChangeSetId: c.changeSetId,
            ChangeSetName: c.changeSetName,
            ExecutionStatus: c.executionStatus,
            Status: c.status,
            StatusReason: c.statusReason,
            CreationTime: iso(c.createdAt),
            Description: c.description,
          })),
        },
        NextToken: next,
      };
    },
    ListExports: async (p) => {
      const exports = await engine.store.exports();
      const { items, next } = page(exports, p.get("NextToken"));
      return {
        Exports: {
          member: items.map((e) => ({ ExportingStackId: e.stackId, Name: e.name, Value: e.value })),
        },
        NextToken: next,
      };
    },
    ListImports: async (p) => {
      const name = required(p, "ExportName");
      const exported = (await engine.store.exports()).find((e) => e.name === name);
      if (!exported) throw stackError.validation(`Export '${name}' is not imported by any stack.`);
      const importers = (await engine.store.allStacks())
        .filter((s) => s.status !== "DELETE_COMPLETE" && s.imports.includes(name))
        .map((s) => s.stackName);
      if (importers.length === 0)
        throw stackError.validation(`Export '${name}' is not imported by any stack.`);
      return { Imports: { member: importers } };
    },
    ContinueUpdateRollback: async (p) => {
      await engine.continueUpdateRollback(
        required(p, "StackName"),
        p.list("ResourcesToSkip"),
        p.get("ClientRequestToken"),
      );
      return {};
    },
    CancelUpdateStack: async (p) => {
      const stack = await engine.liveStack(required(p, "StackName"));
      throw stackError.validation(
        `CancelUpdateStack cannot be called from current stack status ${stack.status}: Nimbus does not cancel running updates.`,
      );
    },
  };
  return {
    signingName: "cloudformation",
    version: "2010-05-15",
    xmlNamespace: CLOUDFORMATION_XML_NAMESPACE,
    operations,
  };
}

function strictHeader(headers: Parameters<typeof header>[0]): boolean {
  const value = header(headers, STRICT_HEADER);
  return value === "1" || value === "true";
}

function required(p: QueryParams, name: string): string {
  const value = p.get(name);
  if (value === undefined || value === "")
    throw stackError.validation(
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function deployRequest(p: QueryParams, strict: boolean): DeployRequest {
  const onFailure = p.get("OnFailure");
  if (onFailure !== undefined && !["ROLLBACK", "DELETE", "DO_NOTHING"].includes(onFailure))
    throw stackError.validation(`OnFailure must be one of ROLLBACK, DELETE or DO_NOTHING`);
  const disableRollback = p.get("DisableRollback");
  if (onFailure !== undefined && disableRollback !== undefined)
    throw stackError.validation("You can specify either DisableRollback or OnFailure, but not both.");
  const tags = p.has("Tags.member.1")
    ? p.structList("Tags").map((t): Tag => ({ Key: t.get("Key") ?? "", Value: t.get("Value") ?? "" }))
    : undefined;
  return {
    stackName: required(p, "StackName"),
    templateBody: p.get("TemplateBody"),
    templateUrl: p.get("TemplateURL"),
    usePreviousTemplate: p.get("UsePreviousTemplate") === "true",
    parameters: p.structList("Parameters").map((x) => ({
      key: x.get("ParameterKey") ?? "",
      value: x.get("ParameterValue"),
      usePrevious: x.get("UsePreviousValue") === "true",
    })),
    capabilities: p.list("Capabilities"),
    tags,
    notificationArns: p.list("NotificationARNs"),
    ignoredParameters: IGNORED_PARAMETERS.filter((name) =>
      [...p.fields.keys()].some((k) => k === name || k.startsWith(`${name}.`)),
    ),
    disableRollback: disableRollback === undefined ? undefined : disableRollback === "true",
    onFailure: onFailure as OnFailure | undefined,
    clientRequestToken: p.get("ClientRequestToken"),
    strict,
  };
}

function page<T>(items: T[], token: string | undefined): { items: T[]; next: string | undefined } {
  const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) || 0 : 0;
  const slice = items.slice(start, start + PAGE);
  const next =
    start + PAGE < items.length ? Buffer.from(String(start + PAGE)).toString("base64url") : undefined;
  return { items: slice, next };
}

function newestFirst(a: StackRecord, b: StackRecord): number {
  return b.createdAt - a.createdAt;
}
