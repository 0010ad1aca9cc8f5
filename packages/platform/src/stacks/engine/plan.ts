import { isDeepStrictEqual } from "node:util";
import { isPlatformError } from "../../core/errors.js";
import { stackError } from "../errors.js";
import type { ProviderRegistry, ResolvedProperties, ResourceDefinition, Template } from "../model.js";
import {
  containsUnresolved,
  dependencyOrder,
  displayedParameters,
  evaluateConditions,
  type PseudoParameters,
  parseTemplate,
  Resolver,
  resolveParameters,
  resourceDependencies,
  TEMPLATE_ERRORS,
} from "../template/index.js";
import type { SamTransform } from "./operation-context.js";
import type {
  PlannedChange,
  ResourceChangeDetail,
  ResourceState,
  StackInputs,
  StackRecord,
  Tag,
} from "./records.js";

export const SAM_TRANSFORM = "AWS::Serverless-2016-10-31";

/** Resource attributes the engine applies; any other attribute is reported as not applied. */
const KNOWN_ATTRIBUTES = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "UpdatePolicy",
]);

/** IAM types (CAPABILITY_IAM) and the property that names them (CAPABILITY_NAMED_IAM). */
const IAM_TYPES: Record<string, string | undefined> = {
  "AWS::IAM::Role": "RoleName",
  "AWS::IAM::Policy": undefined,
  "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
  "AWS::IAM::User": "UserName",
  "AWS::IAM::Group": "GroupName",
  "AWS::IAM::InstanceProfile": "InstanceProfileName",
  "AWS::IAM::AccessKey": undefined,
  "AWS::IAM::UserToGroupAddition": undefined,
};

export interface PlanRequest {
  templateBody: string;
  /** Parameter overrides; `usePrevious` names parameters that keep the stack's value. */
  parameters: Record<string, string>;
  usePrevious: string[];
  capabilities: string[];
  tags: Tag[];
  notificationArns: string[];
  /** Request parameters Nimbus does not apply (RoleARN, TimeoutInMinutes, ...), by name. */
  ignoredParameters?: string[];
  /** Whether the call creates the stack from the template directly (CreateStack/UpdateStack). */
  direct: boolean;
  strict: boolean;
}

export interface Plan {
  inputs: StackInputs;
  changes: PlannedChange[];
  /** Problems that stop the deploy (a FAILED change set, or a ValidationError). */
  failures: string[];
}

export interface PlanContext {
  registry: ProviderRegistry;
  /** The SAM transform (stacks/sam), when wired. */
  sam?: SamTransform | undefined;
  pseudo: PseudoParameters;
  /** The stack as it is (undefined for a new stack) and its resources. */
  stack?: StackRecord | undefined;
  current: Record<string, ResourceState>;
  importValue(name: string): string | undefined;
}

/**
 * Turns a template and its inputs into the changes a deploy will make: parse -> parameters ->
 * SAM transform -> conditions -> dependency order -> validation -> per-resource diff against the
 * stored resolved properties. Nothing is applied here.
 */
export function planDeploy(request: PlanRequest, ctx: PlanContext): Plan {
  const template = parseTemplate(request.templateBody);
  const previous = ctx.stack?.parameterStrings;
  const parameters = resolveParameters(template, request.parameters, {
    ...(previous ? { previous } : {}),
    usePrevious: request.usePrevious,
  });
  const notes: string[] = [];
  const failures: string[] = [];
  const transforms = transformList(template);
  for (const name of transforms)
    if (name !== SAM_TRANSFORM)
      throw stackError.validation(`Transform ${name} is not supported by Nimbus (only ${SAM_TRANSFORM}).`);
  let processed: Template = template;
  const transformed = transforms.length > 0;
  if (transformed) {
    if (request.direct && !request.capabilities.includes("CAPABILITY_AUTO_EXPAND"))
      throw stackError.capabilities("CAPABILITY_AUTO_EXPAND");
    const sam = ctx.sam;
    if (!sam) throw stackError.validation(`Transform ${SAM_TRANSFORM} is not available in this Nimbus.`);
    try {
      const result = sam.transformSam(template, {
        region: ctx.pseudo.region,
        accountId: ctx.pseudo.accountId,
        stackName: ctx.pseudo.stackName,
        parameters,
      });
      processed = result.template;
      for (const entry of result.unsupported)
        notes.push(
          `${entry.logicalId} (${entry.type})${entry.property ? ` property ${entry.property}` : ""}: ${entry.reason}`,
        );
    } catch (error) {
      const message = isPlatformError(error) ? error.message : String(error);
      throw stackError.validation(`Transform ${SAM_TRANSFORM} failed with: ${message}`);
    }
  }
  const conditions = evaluateConditions(processed, parameters, ctx.pseudo);
  const dependencies = resourceDependencies(processed, conditions);
  const order = dependencyOrder(dependencies);

  // Validation: types, properties, attributes, required properties, capabilities.
  const skipped: string[] = [];
  const recorded: string[] = [];
  let needsIam: "CAPABILITY_IAM" | "CAPABILITY_NAMED_IAM" | undefined;
  for (const logicalId of order) {
    const def = processed.Resources[logicalId] as ResourceDefinition;
    const provider = ctx.registry.get(def.Type);
    if (def.Type in IAM_TYPES) {
      const nameProperty = IAM_TYPES[def.Type];
      if (nameProperty !== undefined && def.Properties?.[nameProperty] !== undefined)
        needsIam = "CAPABILITY_NAMED_IAM";
      else needsIam ??= "CAPABILITY_IAM";
    }
    if (!provider) {
      skipped.push(logicalId);
      notes.push(`${logicalId} (${def.Type}): resource type not supported, not created`);
      continue;
    }
    const notCreated = provider.notCreated?.(def.Properties ?? {});
    if (notCreated !== undefined) {
      skipped.push(logicalId);
      notes.push(`${logicalId} (${def.Type}): ${notCreated}, not created`);
      continue;
    }
    if (provider.recordedOnly) recorded.push(`${logicalId} (${def.Type})`);
    for (const note of provider.notApplied?.(def.Properties ?? {}) ?? [])
      notes.push(`${logicalId} (${def.Type}) ${note}`);
    for (const key of Object.keys(def))
      if (!KNOWN_ATTRIBUTES.has(key)) notes.push(`${logicalId} (${def.Type}) attribute ${key}`);
    if (def.DeletionPolicy === "Snapshot" || def.UpdateReplacePolicy === "Snapshot")
      notes.push(
        `${logicalId} (${def.Type}) Snapshot policy: Nimbus deletes the resource without a snapshot`,
      );
    const known = new Set(provider.properties);
    for (const key of Object.keys(def.Properties ?? {}))
      if (!known.has(key)) notes.push(`${logicalId} (${def.Type}) property ${key}`);
    for (const key of provider.required ?? [])
      if (def.Properties?.[key] === undefined)
        failures.push(
          `Properties validation failed for resource ${logicalId} with message: #: required key [${key}] not found`,
        );
  }
  const skippedSet = new Set(skipped);
  for (const [logicalId, deps] of dependencies) {
    if (skippedSet.has(logicalId)) continue;
    for (const dep of deps)
      if (skippedSet.has(dep))
        failures.push(
          `Resource ${logicalId} refers to ${dep} (${processed.Resources[dep]?.Type}), a resource type Nimbus does not support`,
        );
  }
  if (skipped.length > 0)
    for (const [output, deps] of outputDependencies(processed, conditions))
      for (const dep of deps)
        if (skippedSet.has(dep))
          failures.push(
            `Output ${output} refers to ${dep} (${processed.Resources[dep]?.Type}), a resource type Nimbus does not support`,
          );
  if (
    needsIam &&
    !request.capabilities.includes(needsIam) &&
    !request.capabilities.includes("CAPABILITY_NAMED_IAM")
  )
    throw stackError.capabilities(needsIam);
  if (request.tags.length > 0)
    notes.push("Tags: stack tags are kept with the stack, not propagated to its resources");
  for (const name of request.ignoredParameters ?? []) notes.push(`request parameter ${name}`);
  if (request.notificationArns.length > 0)
    notes.push(`NotificationARNs: stack notifications are not sent by Nimbus`);

  const lines: string[] = [];
  if (notes.length > 0) lines.push(`Not applied by Nimbus: ${notes.join("; ")}`);
  if (recorded.length > 0) lines.push(`Recorded, not enforced: ${recorded.join("; ")}`);
  // Strict mode fails on what is not applied; recorded-only types (IAM) stay allowed: every SAM
  // function generates a role, so refusing them would make strict mode unusable for SAM.
  if (request.strict && notes.length > 0)
    failures.push(`Nimbus strict mode: not applied: ${notes.join("; ")}`);

  const changes = diff(processed, order, skippedSet, parameters, conditions, ctx);
  const description = processed.Description ?? template.Description;
  const inputs: StackInputs = {
    templateBody: request.templateBody,
    processed,
    transformed,
    parameters,
    parameterStrings: Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
    ),
    displayedParameters: displayedParameters(template, parameters),
    conditions,
    capabilities: request.capabilities,
    tags: request.tags,
    notificationArns: request.notificationArns,
    ...(typeof description === "string" ? { description } : {}),
    notes: lines,
    skipped,
  };
  return { inputs, changes, failures };
}

/**
 * The resources each Output refers to: the template's dependency analysis, run on a copy where
 * every Output is a stand-in resource holding its value.
 */
function outputDependencies(
  template: Template,
  conditions: Record<string, boolean>,
): Map<string, Set<string>> {
  const names = new Map<string, string>();
  const resources: Template["Resources"] = { ...template.Resources };
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && conditions[output.Condition] !== true) continue;
    const id = `NimbusOutput${names.size}${key}`.replace(/[^A-Za-z0-9]/g, "");
    names.set(id, key);
    resources[id] = { Type: "Nimbus::Output", Properties: { Value: output.Value } };
  }
  const all = resourceDependencies({ ...template, Resources: resources, Outputs: {} }, conditions);
  return new Map([...names].map(([id, key]) => [key, all.get(id) ?? new Set<string>()]));
}

/** The template's Transform as a list of names. */
export function transformList(template: Template): string[] {
  const t = template.Transform;
  if (t === undefined) return [];
  return (Array.isArray(t) ? t : [t]).map(String);
}

/** Per resource: Add, Modify (with Replacement) or Remove, comparing resolved properties. */
function diff(
  template: Template,
  order: string[],
  skipped: Set<string>,
  parameters: Record<string, string | string[]>,
  conditions: Record<string, boolean>,
  ctx: PlanContext,
): PlannedChange[] {
  const changes: PlannedChange[] = [];
  const fresh = new Set<string>();
  const resolver = new Resolver({
    template,
    parameters,
    conditions,
    pseudo: ctx.pseudo,
    resource: (logicalId) => {
      if (fresh.has(logicalId) || skipped.has(logicalId)) return undefined;
      const state = ctx.current[logicalId];
      if (!state?.physicalId) return undefined;
      return { ref: state.ref ?? state.physicalId, attributes: state.attributes };
    },
    importValue: (name) => ctx.importValue(name),
  });
  for (const logicalId of order) {
    if (skipped.has(logicalId)) continue;
    const def = template.Resources[logicalId] as ResourceDefinition;
    const state = ctx.current[logicalId];
    if (!state?.physicalId) {
      // Resolved now only to report what cannot work at all (an import no stack exports); the
      // values are resolved again, with the new resources' attributes, when applied.
      try {
        resolver.resolve(def.Properties ?? {});
      } catch (error) {
        if (isPlatformError(error) && error.code === TEMPLATE_ERRORS.exportNotFound) throw error;
      }
      fresh.add(logicalId);
      changes.push({ action: "Add", logicalId, type: def.Type, scope: [], details: [] });
      continue;
    }
    if (state.type !== def.Type)
      throw stackError.validation(
        `Update of resource type is not permitted. The new template modifies resource type of the following resources: [${logicalId}]`,
      );
    const properties = (resolver.resolve(def.Properties ?? {}) ?? {}) as ResolvedProperties;
    const change = modification(logicalId, def, state, properties, ctx);
    if (!change) continue;
    if (change.replacement === "True") fresh.add(logicalId);
    changes.push(change);
  }
  const active = new Set(order.filter((id) => !skipped.has(id)));
  for (const [logicalId, state] of Object.entries(ctx.current))
    if (!active.has(logicalId) && state.physicalId !== undefined)
      changes.push({
        action: "Remove",
        logicalId,
        type: state.type,
        physicalId: state.physicalId,
        scope: [],
        details: [],
      });
  return changes;
}

function modification(
  logicalId: string,
  def: ResourceDefinition,
  state: ResourceState,
  properties: ResolvedProperties,
  ctx: PlanContext,
): PlannedChange | undefined {
  const replaceOn = new Set(ctx.registry.get(def.Type)?.replaceOn ?? []);
  const keys = new Set([...Object.keys(properties), ...Object.keys(state.properties)]);
  const details: ResourceChangeDetail[] = [];
  let replacement: "True" | "False" | "Conditional" = "False";
  for (const key of [...keys].sort()) {
    const next = properties[key];
    const dynamic = containsUnresolved(next);
    if (!dynamic && isDeepStrictEqual(next, state.properties[key])) continue;
    const replaces = replaceOn.has(key);
    details.push({
      Target: { Attribute: "Properties", Name: key, RequiresRecreation: replaces ? "Always" : "Never" },
      Evaluation: dynamic ? "Dynamic" : "Static",
      ChangeSource: dynamic ? "ResourceAttribute" : "DirectModification",
    });
    if (replaces && !dynamic) replacement = "True";
    else if (replaces && replacement === "False") replacement = "Conditional";
  }
  if (details.length === 0) return undefined;
  return {
    action: "Modify",
    logicalId,
    type: def.Type,
    physicalId: state.physicalId as string,
    replacement,
    scope: ["Properties"],
    details,
  };
}
