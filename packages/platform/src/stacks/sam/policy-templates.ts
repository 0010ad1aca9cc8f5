import type { TemplateObject, TemplateValue } from "../model.js";
import { sub } from "./util.js";

/**
 * The most used SAM policy templates (samtranslator/policy_templates_data), expanded to their
 * statements. IAM is recorded, not enforced, in Nimbus; the role also records every template
 * by name and parameters (Metadata.SamPolicyTemplates), so a template missing here is named
 * in the plan (as unsupported) rather than lost.
 */
type Expand = (p: TemplateObject) => TemplateObject[];

const allow = (Action: string[], Resource: TemplateValue): TemplateObject => ({
  Effect: "Allow",
  Action,
  Resource,
});
const arn = (text: string, variables: TemplateObject): TemplateObject => sub(text, variables);

const S3_READ = [
  "s3:GetObject",
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetObjectVersion",
  "s3:GetLifecycleConfiguration",
];
const S3_WRITE = ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"];
const s3Resources = (p: TemplateObject): TemplateValue[] => [
  arn("arn:${AWS::Partition}:s3:::${bucketName}", { bucketName: p.BucketName ?? null }),
  arn("arn:${AWS::Partition}:s3:::${bucketName}/*", { bucketName: p.BucketName ?? null }),
];
const DYNAMO_READ = [
  "dynamodb:GetItem",
  "dynamodb:Scan",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:DescribeTable",
];
const dynamoResources = (p: TemplateObject): TemplateValue[] => [
  arn("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}", {
    tableName: p.TableName ?? null,
  }),
  arn("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*", {
    tableName: p.TableName ?? null,
  }),
];

export const POLICY_TEMPLATES: Record<string, Expand> = {
  S3ReadPolicy: (p) => [allow(S3_READ, s3Resources(p))],
  S3WritePolicy: (p) => [allow(S3_WRITE, s3Resources(p))],
  S3CrudPolicy: (p) => [allow([...S3_READ, ...S3_WRITE, "s3:DeleteObject"], s3Resources(p))],
  SQSSendMessagePolicy: (p) => [
    allow(
      ["sqs:SendMessage*"],
      arn("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", {
        queueName: p.QueueName ?? null,
      }),
    ),
  ],
  SQSPollerPolicy: (p) => [
    allow(
      [
        "sqs:ChangeMessageVisibility",
        "sqs:ChangeMessageVisibilityBatch",
        "sqs:DeleteMessage",
        "sqs:DeleteMessageBatch",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
      ],
      arn("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", {
        queueName: p.QueueName ?? null,
      }),
    ),
  ],
  SNSPublishMessagePolicy: (p) => [
    allow(
      ["sns:Publish"],
      arn("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}", {
        topicName: p.TopicName ?? null,
      }),
    ),
  ],
  LambdaInvokePolicy: (p) => [
    allow(
      ["lambda:InvokeFunction"],
      arn("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*", {
        functionName: p.FunctionName ?? null,
      }),
    ),
  ],
  StepFunctionsExecutionPolicy: (p) => [
    allow(
      ["states:StartExecution"],
      arn("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}", {
        stateMachineName: p.StateMachineName ?? null,
      }),
    ),
  ],
  EventBridgePutEventsPolicy: (p) => [
    allow(
      ["events:PutEvents"],
      arn("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${eventBusName}", {
        eventBusName: p.EventBusName ?? null,
      }),
    ),
  ],
  CloudWatchPutMetricPolicy: () => [allow(["cloudwatch:PutMetricData"], "*")],
  SSMParameterReadPolicy: (p) => [
    allow(["ssm:DescribeParameters"], "*"),
    allow(
      ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
      arn("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${parameterName}", {
        parameterName: p.ParameterName ?? null,
      }),
    ),
  ],
  AWSSecretsManagerGetSecretValuePolicy: (p) => [
    allow(["secretsmanager:GetSecretValue"], arn("${secretArn}", { secretArn: p.SecretArn ?? null })),
  ],
  DynamoDBReadPolicy: (p) => [allow(DYNAMO_READ, dynamoResources(p))],
  DynamoDBCrudPolicy: (p) => [
    allow(
      [
        ...DYNAMO_READ,
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
      ],
      dynamoResources(p),
    ),
  ],
  KMSDecryptPolicy: (p) => [
    allow(
      ["kms:Decrypt"],
      arn("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}", {
        keyId: p.KeyId ?? null,
      }),
    ),
  ],
  VPCAccessPolicy: () => [
    allow(
      [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DetachNetworkInterface",
      ],
      "*",
    ),
  ],
};
