import { randomBytes } from "node:crypto";
import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import { invalid, str } from "./lambda/provider-support.js";

/**
 * AWS::IAM::Role / Policy / ManagedPolicy, recorded only: Nimbus does not evaluate IAM policies
 * (any caller with valid credentials may call any operation), so these resources change nothing. They accept CloudFormation's
 * properties, answer the names and ARNs other resources refer to (a function's `Role`), and the
 * engine keeps their properties with the stack; the deploy report says they had no effect.
 */

const ROLE = "AWS::IAM::Role";
const POLICY = "AWS::IAM::Policy";
const MANAGED_POLICY = "AWS::IAM::ManagedPolicy";

/** IAM's unique ids: a 4-letter prefix by kind and 17 upper-case letters and digits. */
function uniqueId(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = randomBytes(17);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** A Path property: `/` by default, else it must start and end with `/`. */
function pathOf(props: ResolvedProperties, type: string): string {
  const path = str(props, "Path", type) ?? "/";
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) throw invalid(type, "Path", "must begin and end with /");
  return path;
}

function nameOf(
  ctx: ProviderContext,
  logicalId: string,
  props: ResolvedProperties,
  property: string,
  type: string,
) {
  const name = str(props, property, type) ?? ctx.physicalName(logicalId, { maxLength: 64 });
  if (!/^[\w+=,.@-]{1,128}$/.test(name)) throw invalid(type, property, "must match [\\w+=,.@-]+");
  return name;
}

export const roleProvider: ResourceProvider = {
  type: ROLE,
  properties: [
    "AssumeRolePolicyDocument",
    "Description",
    "ManagedPolicyArns",
    "MaxSessionDuration",
    "Path",
    "PermissionsBoundary",
    "Policies",
    "RoleName",
    "Tags",
  ],
  required: ["AssumeRolePolicyDocument"],
  replaceOn: ["RoleName", "Path"],
  recordedOnly: true,

  async create(ctx, logicalId, props) {
    const name = nameOf(ctx, logicalId, props, "RoleName", ROLE);
    const path = pathOf(props, ROLE);
    return {
      physicalId: name,
      attributes: { Arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`, RoleId: uniqueId("AROA") },
    };
  },

  async update(ctx, _logicalId, current, props) {
    const path = pathOf(props, ROLE);
    return {
      physicalId: current.physicalId,
      attributes: {
        Arn: `arn:aws:iam::${ctx.accountId}:role${path}${current.physicalId}`,
        RoleId: current.attributes.RoleId ?? uniqueId("AROA"),
      },
    };
  },

  async delete() {},
};

export const policyProvider: ResourceProvider = {
  type: POLICY,
  properties: ["PolicyDocument", "PolicyName", "Roles", "Users", "Groups"],
  required: ["PolicyDocument", "PolicyName"],
  recordedOnly: true,

  async create(ctx, logicalId) {
    // CloudFormation's physical id of an inline policy is a generated name, not the PolicyName.
    const id = ctx.physicalName(logicalId, { maxLength: 64 });
    return { physicalId: id, attributes: { Id: id } };
  },

  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
  },

  async delete() {},
};

export const managedPolicyProvider: ResourceProvider = {
  type: MANAGED_POLICY,
  properties: ["Description", "Groups", "ManagedPolicyName", "Path", "PolicyDocument", "Roles", "Users"],
  required: ["PolicyDocument"],
  replaceOn: ["Description", "ManagedPolicyName", "Path"],
  recordedOnly: true,

  async create(ctx, logicalId, props) {
    const name = nameOf(ctx, logicalId, props, "ManagedPolicyName", MANAGED_POLICY);
    const arn = `arn:aws:iam::${ctx.accountId}:policy${pathOf(props, MANAGED_POLICY)}${name}`;
    const now = new Date(ctx.clock.now()).toISOString();
    return {
      physicalId: arn,
      attributes: {
        PolicyArn: arn,
        PolicyId: uniqueId("ANPA"),
        DefaultVersionId: "v1",
        AttachmentCount: attachments(props),
        IsAttachable: true,
        CreateDate: now,
        UpdateDate: now,
      },
    };
  },

  async update(ctx, _logicalId, current, props) {
    // A changed document is a new default version, as IAM numbers them.
    const previous = String(current.attributes.DefaultVersionId ?? "v1");
    const documentChanged =
      JSON.stringify(current.properties.PolicyDocument) !== JSON.stringify(props.PolicyDocument);
    const version = documentChanged ? `v${Number(previous.slice(1)) + 1}` : previous;
    return {
      physicalId: current.physicalId,
      attributes: {
        ...current.attributes,
        PolicyArn: current.physicalId,
        DefaultVersionId: version,
        AttachmentCount: attachments(props),
        UpdateDate: new Date(ctx.clock.now()).toISOString(),
      },
    };
  },

  async delete() {},
};

function attachments(props: ResolvedProperties): number {
  return ["Groups", "Roles", "Users"].reduce((n, key) => {
    const list = props[key];
    return n + (Array.isArray(list) ? list.length : 0);
  }, 0);
}

/** The IAM resource providers (recorded only). */
export function iamProviders(): ResourceProvider[] {
  return [roleProvider, policyProvider, managedPolicyProvider];
}
