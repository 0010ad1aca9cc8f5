import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import type { EventTarget } from "./types.js";
import { getAtt, hashedId, isObject, ref } from "./util.js";

const TYPE = "AWS::Serverless::Function";
const INVOKE_CONFIG_KNOWN = new Set([
  "MaximumEventAgeInSeconds",
  "MaximumRetryAttempts",
  "DestinationConfig",
]);
const URL_KNOWN = new Set(["AuthType", "Cors", "InvokeMode"]);
const DESTINATION_ACTIONS: Record<string, string> = {
  SQS: "sqs:SendMessage",
  SNS: "sns:Publish",
  Lambda: "lambda:InvokeFunction",
  EventBridge: "events:PutEvents",
  S3Bucket: "s3:PutObject",
};

/**
 * `<Fn>EventInvokeConfig` (AWS::Lambda::EventInvokeConfig) on the alias or `$LATEST`. An SQS or
 * SNS destination without `Destination` gets a queue / topic generated, as SAM does
 * (`<Fn>EventInvokeConfigOnSuccessQueue`, `<Fn>EventInvokeConfigOnFailureTopic`); the execution
 * role gets the statement that lets the function send to each destination.
 */
export function eventInvokeConfig(
  build: SamBuild,
  functionId: string,
  config: TemplateValue | undefined,
  aliasName: string | undefined,
  target: EventTarget,
): void {
  if (config === undefined) return;
  if (!isObject(config)) throw new SamResourceError(functionId, "'EventInvokeConfig' must be a map.");
  build.checkProperties(functionId, TYPE, config, INVOKE_CONFIG_KNOWN, "EventInvokeConfig.");
  const id = `${functionId}EventInvokeConfig`;
  const properties: TemplateObject = { FunctionName: ref(functionId), Qualifier: aliasName ?? "$LATEST" };
  if (config.MaximumEventAgeInSeconds !== undefined)
    properties.MaximumEventAgeInSeconds = config.MaximumEventAgeInSeconds;
  if (config.MaximumRetryAttempts !== undefined)
    properties.MaximumRetryAttempts = config.MaximumRetryAttempts;
  if (isObject(config.DestinationConfig)) {
    const destinations: TemplateObject = {};
    for (const [key, value] of Object.entries(config.DestinationConfig)) {
      if ((key !== "OnSuccess" && key !== "OnFailure") || !isObject(value)) {
        build.unsupportedProperty(
          functionId,
          TYPE,
          `EventInvokeConfig.DestinationConfig.${key}`,
          "only OnSuccess and OnFailure maps exist",
        );
        continue;
      }
      destinations[key] = { Destination: destination(build, functionId, id, key, value, target) };
    }
    properties.DestinationConfig = destinations;
  }
  const resource: ResourceDefinition = {
    Type: "AWS::Lambda::EventInvokeConfig",
    Properties: properties,
    ...target.attributes,
  };
  // The qualifier must exist first (SAM adds the same DependsOn).
  if (aliasName !== undefined) resource.DependsOn = `${functionId}Alias${aliasName}`;
  build.add(id, resource, functionId);
}

function destination(
  build: SamBuild,
  functionId: string,
  configId: string,
  key: string,
  value: TemplateObject,
  target: EventTarget,
): TemplateValue {
  const type = typeof value.Type === "string" ? value.Type : undefined;
  let arn = value.Destination;
  // SAM generates the queue / topic when Destination is absent, or when it is
  // `!If [C, !Ref AWS::NoValue, X]` / `!If [C, X, !Ref AWS::NoValue]`: then the generated
  // resource gets the condition under which the NoValue branch is taken, and the destination
  // stays conditional (samtranslator's `_get_or_make_condition`).
  const conditional = type === "SQS" || type === "SNS" ? noValueBranch(build, functionId, arn) : undefined;
  if (arn === undefined || conditional !== undefined) {
    let generated: TemplateValue;
    const attributes: Partial<ResourceDefinition> = { ...target.attributes };
    if (conditional !== undefined) {
      attributes.Condition = andConditions(
        build,
        functionId,
        target.attributes.Condition,
        conditional.condition,
      );
    }
    if (type === "SQS") {
      const queueId = `${configId}${key}Queue`;
      build.add(queueId, { Type: "AWS::SQS::Queue", Properties: {}, ...attributes }, functionId);
      generated = getAtt(queueId, "Arn");
      build.renames.set(`${functionId}.DestinationQueue`, queueId);
    } else if (type === "SNS") {
      const topicId = `${configId}${key}Topic`;
      build.add(topicId, { Type: "AWS::SNS::Topic", Properties: {}, ...attributes }, functionId);
      generated = ref(topicId);
      build.renames.set(`${functionId}.DestinationTopic`, topicId);
    } else {
      throw new SamResourceError(functionId, `Destination is required if Type is not SQS or SNS`);
    }
    arn =
      conditional === undefined
        ? generated
        : { "Fn::If": [conditional.condition, generated, conditional.otherwise] };
  }
  if (type !== undefined) {
    const action = DESTINATION_ACTIONS[type];
    if (action === undefined) {
      throw new SamResourceError(
        functionId,
        `'Type: ${type}' must be one of ${Object.keys(DESTINATION_ACTIONS).join(", ")}`,
      );
    }
    target.addStatement({ Effect: "Allow", Action: action, Resource: arn });
  }
  return arn;
}

/**
 * For `Destination: !If [C, !Ref AWS::NoValue, X]`: C (the generated resource exists when C
 * holds) and X; for `!If [C, X, !Ref AWS::NoValue]`: a generated `NOT<C><hash>` condition and X.
 * Undefined for any other value (an ARN, a Ref, an If without a NoValue branch).
 */
function noValueBranch(
  build: SamBuild,
  functionId: string,
  destination: TemplateValue | undefined,
): { condition: string; otherwise: TemplateValue } | undefined {
  if (!isObject(destination) || Object.keys(destination).length !== 1) return undefined;
  const branches = destination["Fn::If"];
  if (!Array.isArray(branches) || branches.length !== 3 || typeof branches[0] !== "string") return undefined;
  const [condition, whenTrue, whenFalse] = branches as [string, TemplateValue, TemplateValue];
  const trueIsNoValue = isNoValue(whenTrue);
  const falseIsNoValue = isNoValue(whenFalse);
  // Both branches NoValue: SAM treats it as no condition at all (and a present Destination).
  if (trueIsNoValue && falseIsNoValue) return undefined;
  if (trueIsNoValue) return { condition, otherwise: whenFalse };
  if (falseIsNoValue) {
    const not = hashedId(`NOT${condition}`, functionId);
    build.conditions[not] = { "Fn::Not": [{ Condition: condition }] };
    return { condition: not, otherwise: whenTrue };
  }
  return undefined;
}

function isNoValue(value: TemplateValue): boolean {
  return isObject(value) && Object.keys(value).length === 1 && value.Ref === "AWS::NoValue";
}

/** The function's own Condition and the destination's, combined as SAM does (`<a>AND<b><hash>`). */
function andConditions(
  build: SamBuild,
  functionId: string,
  resourceCondition: TemplateValue | undefined,
  propertyCondition: string,
): string {
  if (typeof resourceCondition !== "string") return propertyCondition;
  const id = hashedId(`${resourceCondition}AND${propertyCondition}`, functionId);
  build.conditions[id] = {
    "Fn::And": [{ Condition: resourceCondition }, { Condition: propertyCondition }],
  };
  return id;
}

/** `<Fn>Url` (AWS::Lambda::Url) and, for AuthType NONE, `<Fn>UrlPublicPermissions`. */
export function functionUrl(
  build: SamBuild,
  functionId: string,
  config: TemplateValue | undefined,
  target: EventTarget,
  aliasId: string | undefined,
): void {
  if (config === undefined) return;
  if (!isObject(config)) throw new SamResourceError(functionId, "'FunctionUrlConfig' must be a map.");
  build.checkProperties(functionId, TYPE, config, URL_KNOWN, "FunctionUrlConfig.");
  if (config.AuthType === undefined) {
    throw new SamResourceError(
      functionId,
      "AuthType is required to configure function property `FunctionUrlConfig`. Please provide either AWS_IAM or NONE.",
    );
  }
  const properties: TemplateObject = { TargetFunctionArn: target.name, AuthType: config.AuthType };
  if (config.Cors !== undefined) properties.Cors = config.Cors;
  if (config.InvokeMode !== undefined) properties.InvokeMode = config.InvokeMode;
  const url: ResourceDefinition = { Type: "AWS::Lambda::Url", Properties: properties, ...target.attributes };
  if (aliasId !== undefined) url.DependsOn = aliasId;
  build.add(`${functionId}Url`, url, functionId);
  if (config.AuthType === "NONE") {
    build.add(
      `${functionId}UrlPublicPermissions`,
      {
        Type: "AWS::Lambda::Permission",
        Properties: {
          Action: "lambda:InvokeFunctionUrl",
          FunctionName: target.name,
          Principal: "*",
          FunctionUrlAuthType: "NONE",
        },
        ...target.attributes,
      },
      functionId,
    );
  }
}
