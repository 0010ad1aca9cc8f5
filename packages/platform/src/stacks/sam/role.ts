import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { POLICY_TEMPLATES } from "./policy-templates.js";
import { canonicalJson, isIntrinsic, isObject, sub } from "./util.js";

/** `arn:${AWS::Partition}:iam::aws:policy/<name>` (SAM writes AWS managed policies this way). */
export const awsManagedPolicy = (name: string): TemplateObject =>
  sub(`arn:\${AWS::Partition}:iam::aws:policy/${name}`);

/** The assume-role document for a service principal (`lambda.amazonaws.com`, ...). */
export function assumeRolePolicy(service: string): TemplateObject {
  return {
    Version: "2012-10-17",
    Statement: [{ Action: ["sts:AssumeRole"], Effect: "Allow", Principal: { Service: [service] } }],
  };
}

/**
 * An execution role SAM generates (`<Fn>Role`, `<StateMachine>Role`): managed policies,
 * the resource's Policies (documents, managed names/ARNs, policy templates) and the
 * statements event sources and destinations add. Recorded by Nimbus, not enforced.
 */
export class ExecutionRole {
  private readonly managed: TemplateValue[] = [];
  private readonly policies: TemplateObject[] = [];
  private readonly templates: TemplateObject[] = [];

  constructor(
    readonly logicalId: string,
    private readonly assumeRole: TemplateValue,
  ) {}

  addManagedPolicy(arn: TemplateValue): void {
    const key = canonicalJson(arn);
    if (!this.managed.some((m) => canonicalJson(m) === key)) this.managed.push(arn);
  }

  addInlinePolicy(name: string, statements: TemplateObject[]): void {
    this.policies.push({
      PolicyName: name,
      PolicyDocument: { Version: "2012-10-17", Statement: statements },
    });
  }

  /** The SAM `Policies` property: one item or a list of managed names/ARNs, documents and templates. */
  addPolicies(policies: TemplateValue | undefined, owner: string, type: string, build: SamBuild): void {
    if (policies === undefined || policies === null) return;
    const list = Array.isArray(policies) ? policies : [policies];
    list.forEach((policy, index) => {
      const name = `${this.logicalId}Policy${index}`;
      if (typeof policy === "string") {
        this.addManagedPolicy(policy.startsWith("arn:") ? policy : awsManagedPolicy(policy));
      } else if (isIntrinsic(policy)) {
        this.addManagedPolicy(policy);
      } else if (isObject(policy) && policy.Statement !== undefined) {
        this.policies.push({ PolicyName: name, PolicyDocument: policy });
      } else if (isObject(policy) && Object.keys(policy).length === 1) {
        const [templateName, params] = Object.entries(policy)[0] as [string, TemplateValue];
        this.templates.push({ Name: templateName, Parameters: params });
        const expand = POLICY_TEMPLATES[templateName];
        if (expand === undefined) {
          build.unsupportedProperty(
            owner,
            type,
            `Policies.${templateName}`,
            "policy template not known to Nimbus: recorded by name and parameters only (IAM is not enforced)",
          );
        } else {
          this.addInlinePolicy(name, expand(isObject(params) ? params : {}));
        }
      } else {
        build.unsupportedProperty(
          owner,
          type,
          `Policies[${index}]`,
          "not a policy name, ARN, document or template",
        );
      }
    });
  }

  resource(extra: {
    attributes: Partial<ResourceDefinition>;
    tags?: TemplateValue[];
    path?: TemplateValue;
    permissionsBoundary?: TemplateValue;
  }): ResourceDefinition {
    const properties: TemplateObject = {
      AssumeRolePolicyDocument: this.assumeRole,
      ManagedPolicyArns: this.managed,
    };
    if (this.policies.length > 0) properties.Policies = this.policies;
    if (extra.tags !== undefined) properties.Tags = extra.tags;
    if (extra.path !== undefined) properties.Path = extra.path;
    if (extra.permissionsBoundary !== undefined) properties.PermissionsBoundary = extra.permissionsBoundary;
    const resource: ResourceDefinition = {
      Type: "AWS::IAM::Role",
      Properties: properties,
      ...extra.attributes,
    };
    if (this.templates.length > 0) resource.Metadata = { SamPolicyTemplates: this.templates };
    return resource;
  }
}
