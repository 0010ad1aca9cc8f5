import type { XmlObject, XmlValue } from "../../aws/query-protocol.js";
import { transformList } from "../engine/plan.js";
import type { ChangeSetRecord, ResourceState, StackEvent, StackRecord } from "../engine/records.js";
import type { Template } from "../model.js";

/** The CloudFormation API's result shapes (wire names) from the engine's records. */

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function stackXml(stack: StackRecord): XmlObject {
  return {
    StackId: stack.stackId,
    StackName: stack.stackName,
    ChangeSetId: stack.changeSetId,
    Description: stack.description,
    Parameters: { member: stack.displayedParameters },
    CreationTime: iso(stack.createdAt),
    DeletionTime: iso(stack.deletedAt),
    LastUpdatedTime: iso(stack.updatedAt),
    RollbackConfiguration: {},
    StackStatus: stack.status,
    StackStatusReason: stack.statusReason,
    DisableRollback: stack.disableRollback,
    NotificationARNs: { member: stack.notificationArns },
    Capabilities: { member: stack.capabilities },
    Outputs: {
      member: stack.outputs.map((o) => ({
        OutputKey: o.OutputKey,
        OutputValue: o.OutputValue,
        Description: o.Description,
        ExportName: o.ExportName,
      })),
    },
    Tags: { member: stack.tags.map((t) => ({ Key: t.Key, Value: t.Value })) },
    EnableTerminationProtection: false,
    DriftInformation: { StackDriftStatus: "NOT_CHECKED" },
  };
}

export function summaryXml(stack: StackRecord): XmlObject {
  return {
    StackId: stack.stackId,
    StackName: stack.stackName,
    TemplateDescription: stack.description,
    CreationTime: iso(stack.createdAt),
    LastUpdatedTime: iso(stack.updatedAt),
    DeletionTime: iso(stack.deletedAt),
    StackStatus: stack.status,
    StackStatusReason: stack.statusReason,
    DriftInformation: { StackDriftStatus: "NOT_CHECKED" },
  };
}

export function eventXml(event: StackEvent): XmlObject {
  return {
    StackId: event.StackId,
    EventId: event.EventId,
    StackName: event.StackName,
    LogicalResourceId: event.LogicalResourceId,
    PhysicalResourceId: event.PhysicalResourceId,
    ResourceType: event.ResourceType,
    Timestamp: iso(event.Timestamp),
    ResourceStatus: event.ResourceStatus,
    ResourceStatusReason: event.ResourceStatusReason,
    ResourceProperties: event.ResourceProperties,
    ClientRequestToken: event.ClientRequestToken,
  };
}

export function resourceXml(stack: StackRecord, r: ResourceState): XmlObject {
  return {
    StackName: stack.stackName,
    StackId: stack.stackId,
    LogicalResourceId: r.logicalId,
    PhysicalResourceId: r.physicalId,
    ResourceType: r.type,
    Timestamp: iso(r.updatedAt),
    ResourceStatus: r.status,
    ResourceStatusReason: r.statusReason,
    Description: r.description,
    DriftInformation: { StackResourceDriftStatus: "NOT_CHECKED" },
  };
}

export function changeSetXml(c: ChangeSetRecord): XmlObject {
  const inputs = c.inputs;
  return {
    ChangeSetName: c.changeSetName,
    ChangeSetId: c.changeSetId,
    StackId: c.stackId,
    StackName: c.stackName,
    Description: c.description,
    Parameters: inputs ? { member: inputs.displayedParameters } : undefined,
    CreationTime: iso(c.createdAt),
    ExecutionStatus: c.executionStatus,
    Status: c.status,
    StatusReason: c.statusReason,
    NotificationARNs: inputs ? { member: inputs.notificationArns } : undefined,
    RollbackConfiguration: {},
    Capabilities: inputs ? { member: inputs.capabilities } : undefined,
    Tags: inputs ? { member: inputs.tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : undefined,
    Changes: {
      member: c.changes.map((change) => ({
        Type: "Resource",
        ResourceChange: {
          Action: change.action,
          LogicalResourceId: change.logicalId,
          PhysicalResourceId: change.physicalId,
          ResourceType: change.type,
          Replacement: change.replacement,
          Scope: { member: change.scope },
          Details: {
            member: change.details.map((d) => ({
              Target: {
                Attribute: d.Target.Attribute,
                Name: d.Target.Name,
                RequiresRecreation: d.Target.RequiresRecreation,
              },
              Evaluation: d.Evaluation,
              ChangeSource: d.ChangeSource,
              CausingEntity: d.CausingEntity,
            })),
          },
        },
      })),
    },
    DisableRollback: c.disableRollback ?? false,
    IncludeNestedStacks: false,
  };
}

const IAM_NAMED: Record<string, string> = {
  "AWS::IAM::Role": "RoleName",
  "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
  "AWS::IAM::User": "UserName",
  "AWS::IAM::Group": "GroupName",
  "AWS::IAM::InstanceProfile": "InstanceProfileName",
};

/** The capabilities a template needs (ValidateTemplate, GetTemplateSummary). */
export function capabilitiesOf(template: Template): { capabilities: string[]; reason?: string } {
  let named: string | undefined;
  let iam: string | undefined;
  for (const [id, def] of Object.entries(template.Resources)) {
    if (!def.Type.startsWith("AWS::IAM::")) continue;
    const nameProperty = IAM_NAMED[def.Type];
    if (nameProperty && def.Properties?.[nameProperty] !== undefined) named ??= id;
    else iam ??= id;
  }
  if (named)
    return {
      capabilities: ["CAPABILITY_NAMED_IAM"],
      reason: `The following resource(s) require capabilities: [${named}]`,
    };
  if (iam)
    return {
      capabilities: ["CAPABILITY_IAM"],
      reason: `The following resource(s) require capabilities: [${iam}]`,
    };
  return { capabilities: [] };
}

export function summaryOf(inspected: { original: Template; processed: Template }): XmlValue {
  const template = inspected.original;
  const caps = capabilitiesOf(inspected.processed);
  const transforms = transformList(template);
  if (transforms.length > 0) caps.capabilities.push("CAPABILITY_AUTO_EXPAND");
  return {
    Parameters: {
      member: Object.entries(template.Parameters ?? {}).map(([key, def]) => ({
        ParameterKey: key,
        DefaultValue: def.Default === undefined ? undefined : String(def.Default),
        ParameterType: def.Type,
        NoEcho: def.NoEcho === true || def.NoEcho === "true",
        Description: def.Description,
        ParameterConstraints: { AllowedValues: { member: (def.AllowedValues ?? []).map(String) } },
      })),
    },
    Description: typeof template.Description === "string" ? template.Description : undefined,
    Capabilities: { member: caps.capabilities },
    CapabilitiesReason: caps.reason,
    ResourceTypes: { member: [...new Set(Object.values(inspected.processed.Resources).map((r) => r.Type))] },
    Version: template.AWSTemplateFormatVersion ?? "2010-09-09",
    Metadata: template.Metadata === undefined ? undefined : JSON.stringify(template.Metadata),
    DeclaredTransforms: { member: transforms },
  };
}
