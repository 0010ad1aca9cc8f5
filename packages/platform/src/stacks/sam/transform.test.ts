import { describe, expect, it } from "vitest";
import type { Template, TemplateValue } from "../model.js";
import { parseTemplate } from "../template/parse.js";
import { isSamTemplate, type SamContext, transformSam } from "./index.js";
import { isObject } from "./util.js";

const context: SamContext = {
  region: "us-east-1",
  accountId: "000000000000",
  stackName: "app",
  parameters: {},
};

function samYaml(body: string, parameters: Record<string, string | string[]> = {}) {
  const parsed = parseTemplate(body);
  return transformSam(parsed, { ...context, parameters });
}

/**
 * Every Ref / GetAtt / ${X} in the output names a resource, parameter or pseudo parameter
 * of the output template (the engine would reject a dangling one).
 */
function danglingReferences(template: Template): string[] {
  const known = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {})]);
  const missing: string[] = [];
  const check = (id: string) => {
    if (!id.startsWith("AWS::") && !known.has(id)) missing.push(id);
  };
  const walk = (value: TemplateValue | undefined, subVars: Set<string> = new Set()) => {
    if (Array.isArray(value)) for (const v of value) walk(v, subVars);
    else if (isObject(value)) {
      if (typeof value.Ref === "string") check(value.Ref);
      const getAtt = value["Fn::GetAtt"];
      if (Array.isArray(getAtt) && typeof getAtt[0] === "string") check(getAtt[0]);
      const sub = value["Fn::Sub"];
      const [text, vars] =
        typeof sub === "string" ? [sub, {}] : Array.isArray(sub) ? [sub[0], sub[1]] : [undefined, {}];
      if (typeof text === "string") {
        const defined = new Set(isObject(vars) ? Object.keys(vars) : []);
        for (const m of text.matchAll(/\$\{([^!}][^}.]*)(\.[^}]*)?\}/g))
          if (!defined.has(m[1] as string)) check(m[1] as string);
        if (isObject(vars)) walk(vars);
        return;
      }
      for (const v of Object.values(value)) walk(v, subVars);
    }
  };
  for (const resource of Object.values(template.Resources)) {
    walk(resource.Properties);
    walk(resource.UpdatePolicy);
    const deps = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const d of deps) check(d);
  }
  for (const output of Object.values(template.Outputs ?? {})) walk(output.Value);
  return missing;
}

const res = (out: { template: Template }, id: string) => {
  const r = out.template.Resources[id];
  if (r === undefined)
    throw new Error(`no resource ${id}; have ${Object.keys(out.template.Resources).join(", ")}`);
  return r;
};
const props = (out: { template: Template }, id: string) => res(out, id).Properties ?? {};
const idsOf = (out: { template: Template }, type: string) =>
  Object.entries(out.template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);

const CRUD = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 10
    CodeUri: s3://artifacts/crud.zip
    Environment:
      Variables:
        TABLE: items
        STAGE: prod
    Layers:
      - arn:aws:lambda:us-east-1:000000000000:layer:common:1
Resources:
  ListItems:
    Type: AWS::Serverless::Function
    Properties:
      Handler: list.handler
      Environment:
        Variables:
          STAGE: dev
      Layers:
        - arn:aws:lambda:us-east-1:000000000000:layer:extra:2
      Policies:
        - S3ReadPolicy:
            BucketName: data
        - AmazonSQSFullAccess
      Events:
        List:
          Type: Api
          Properties: { Path: /items, Method: get }
  GetItem:
    Type: AWS::Serverless::Function
    Properties:
      Handler: get.handler
      Events:
        Get:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: GET
            RequestParameters:
              - method.request.header.X-Trace
              - method.request.querystring.full:
                  Required: true
                  Caching: true
  AnyItem:
    Type: AWS::Serverless::Function
    Properties:
      Handler: any.handler
      Timeout: 30
      Events:
        Any:
          Type: Api
          Properties:
            Path: /items/{id}/
            Method: any
Outputs:
  Url:
    Value: !Sub https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/
`;

describe("transformSam: a REST CRUD API over functions", () => {
  const out = samYaml(CRUD);

  it("removes the transform and Globals, and leaves no dangling reference", () => {
    expect(out.template.Transform).toBeUndefined();
    expect(out.template.Globals).toBeUndefined();
    expect(danglingReferences(out.template)).toEqual([]);
    expect(out.unsupported).toEqual([]);
  });

  it("merges Globals: maps key by key, lists appended, the function's value wins", () => {
    const list = props(out, "ListItems");
    expect(list.Runtime).toBe("nodejs20.x");
    expect(list.Timeout).toBe(10);
    expect(list.Environment).toEqual({ Variables: { TABLE: "items", STAGE: "dev" } });
    expect(list.Layers).toEqual([
      "arn:aws:lambda:us-east-1:000000000000:layer:common:1",
      "arn:aws:lambda:us-east-1:000000000000:layer:extra:2",
    ]);
    expect(props(out, "AnyItem").Timeout).toBe(30);
  });

  it("turns CodeUri into Code and tags the function as SAM does", () => {
    const list = props(out, "ListItems");
    expect(res(out, "ListItems").Type).toBe("AWS::Lambda::Function");
    expect(list.Code).toEqual({ S3Bucket: "artifacts", S3Key: "crud.zip" });
    expect(list.Tags).toEqual([{ Key: "lambda:createdBy", Value: "SAM" }]);
    expect(list.Role).toEqual({ "Fn::GetAtt": ["ListItemsRole", "Arn"] });
  });

  it("generates <Fn>Role with the basic execution role, managed policies and policy templates", () => {
    const role = res(out, "ListItemsRole");
    expect(role.Type).toBe("AWS::IAM::Role");
    const p = role.Properties ?? {};
    expect(p.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Action: ["sts:AssumeRole"], Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] } },
      ],
    });
    expect(p.ManagedPolicyArns).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
      { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSQSFullAccess" },
    ]);
    const policies = p.Policies as {
      PolicyName: string;
      PolicyDocument: { Statement: { Action: string[] }[] };
    }[];
    expect(policies[0]?.PolicyName).toBe("ListItemsRolePolicy0");
    expect(policies[0]?.PolicyDocument.Statement[0]?.Action).toContain("s3:GetObject");
    expect(role.Metadata).toEqual({
      SamPolicyTemplates: [{ Name: "S3ReadPolicy", Parameters: { BucketName: "data" } }],
    });
  });

  it("builds ServerlessRestApi with a Swagger body of every Api event", () => {
    const api = res(out, "ServerlessRestApi");
    expect(api.Type).toBe("AWS::ApiGateway::RestApi");
    const body = api.Properties?.Body as Record<
      string,
      Record<string, Record<string, Record<string, unknown>>>
    >;
    expect(body.swagger).toBe("2.0");
    expect(body.info).toEqual({ version: "1.0", title: { Ref: "AWS::StackName" } });
    expect(Object.keys(body.paths ?? {})).toEqual(["/items", "/items/{id}", "/items/{id}/"]);
    expect(body.paths?.["/items"]?.get?.["x-amazon-apigateway-integration"]).toEqual({
      type: "aws_proxy",
      httpMethod: "POST",
      uri: {
        "Fn::Sub":
          "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListItems.Arn}/invocations",
      },
    });
    expect(body.paths?.["/items/{id}/"]?.["x-amazon-apigateway-any-method"]).toBeDefined();
    const get = body.paths?.["/items/{id}"]?.get ?? {};
    expect(get.parameters).toEqual([
      { in: "header", name: "X-Trace", required: false, type: "string" },
      { in: "query", name: "full", required: true, type: "string" },
    ]);
    expect((get["x-amazon-apigateway-integration"] as Record<string, unknown>).cacheKeyParameters).toEqual([
      "method.request.querystring.full",
    ]);
  });

  it("adds the hashed deployment, the Prod stage and <Fn><Event>PermissionProd", () => {
    const deployments = idsOf(out, "AWS::ApiGateway::Deployment");
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatch(/^ServerlessRestApiDeployment[0-9a-f]{10}$/);
    expect(props(out, deployments[0] as string)).toMatchObject({
      RestApiId: { Ref: "ServerlessRestApi" },
      StageName: "Stage",
    });
    expect(props(out, "ServerlessRestApiProdStage")).toEqual({
      RestApiId: { Ref: "ServerlessRestApi" },
      DeploymentId: { Ref: deployments[0] },
      StageName: "Prod",
    });
    expect(props(out, "GetItemGetPermissionProd")).toEqual({
      Action: "lambda:InvokeFunction",
      FunctionName: { Ref: "GetItem" },
      Principal: "apigateway.amazonaws.com",
      SourceArn: {
        "Fn::Sub": [
          "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/GET/items/*",
          { __ApiId__: { Ref: "ServerlessRestApi" }, __Stage__: "*" },
        ],
      },
    });
    const any = props(out, "AnyItemAnyPermissionProd").SourceArn as { "Fn::Sub": [string] };
    expect(any["Fn::Sub"][0]).toMatch(/\/\*\/items\/\*$/);
  });

  it("keeps the deployment id for the same body and changes it when a route changes", () => {
    const again = samYaml(CRUD);
    expect(idsOf(again, "AWS::ApiGateway::Deployment")).toEqual(idsOf(out, "AWS::ApiGateway::Deployment"));
    const changed = samYaml(CRUD.replace("Path: /items, Method: get", "Path: /things, Method: get"));
    expect(idsOf(changed, "AWS::ApiGateway::Deployment")).not.toEqual(
      idsOf(out, "AWS::ApiGateway::Deployment"),
    );
  });
});

const THUMBNAIL = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: uploads
  Thumbnails:
    Type: AWS::S3::Bucket
  Resize:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      CodeUri: { Bucket: artifacts, Key: resize.zip, Version: "3" }
      MemorySize: 1024
      Policies:
        - S3CrudPolicy: { BucketName: !Ref Thumbnails }
      Environment:
        Variables:
          DEST: !Ref Thumbnails
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - { Name: suffix, Value: .jpg }
        Removed:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectRemoved:Delete, s3:ObjectRemoved:DeleteMarkerCreated]
`;

describe("transformSam: the S3 thumbnail pipeline", () => {
  const out = samYaml(THUMBNAIL);

  it("adds the notification to the bucket, which waits for the permission", () => {
    const bucket = res(out, "Uploads");
    expect(bucket.Properties).toEqual({
      BucketName: "uploads",
      NotificationConfiguration: {
        LambdaConfigurations: [
          {
            Event: "s3:ObjectCreated:*",
            Function: { "Fn::GetAtt": ["Resize", "Arn"] },
            Filter: { S3Key: { Rules: [{ Name: "suffix", Value: ".jpg" }] } },
          },
          { Event: "s3:ObjectRemoved:Delete", Function: { "Fn::GetAtt": ["Resize", "Arn"] } },
          { Event: "s3:ObjectRemoved:DeleteMarkerCreated", Function: { "Fn::GetAtt": ["Resize", "Arn"] } },
        ],
      },
    });
    expect(bucket.DependsOn).toEqual(["ResizeUploadPermission", "ResizeRemovedPermission"]);
    expect(props(out, "ResizeUploadPermission")).toEqual({
      Action: "lambda:InvokeFunction",
      FunctionName: { Ref: "Resize" },
      Principal: "s3.amazonaws.com",
      SourceAccount: { Ref: "AWS::AccountId" },
    });
    expect(props(out, "Resize").Code).toEqual({
      S3Bucket: "artifacts",
      S3Key: "resize.zip",
      S3ObjectVersion: "3",
    });
    expect(danglingReferences(out.template)).toEqual([]);
  });

  it("refuses an S3 event whose bucket is not in the template", () => {
    expect(() =>
      samYaml(
        THUMBNAIL.replace(
          "Bucket: !Ref Uploads\n            Events: s3:ObjectCreated:*",
          "Bucket: elsewhere\n            Events: s3:ObjectCreated:*",
        ),
      ),
    ).toThrow(
      /Resource with id \[ResizeUpload\] is invalid\. S3 events must reference an S3 bucket in the same template\./,
    );
  });
});

const CRON = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Hourly:
    Type: AWS::Serverless::Function
    Properties:
      Handler: cron.handler
      Runtime: nodejs20.x
      InlineCode: "exports.handler = async () => 'ok';"
      Events:
        EveryHour:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            Input: '{"job":"report"}'
            Enabled: false
            Name: hourly-report
            RetryPolicy: { MaximumRetryAttempts: 2 }
            DeadLetterConfig: { Type: SQS }
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 2 * * ? *)
            ScheduleExpressionTimezone: Europe/Paris
            State: ENABLED
        OnOrder:
          Type: EventBridgeRule
          Properties:
            EventBusName: orders
            Pattern: { source: [shop.orders], detail-type: [OrderPlaced] }
            InputPath: $.detail
            Target: { Id: OrderTarget }
`;

describe("transformSam: schedules and EventBridge rules", () => {
  const out = samYaml(CRON);

  it("makes an AWS::Events::Rule with the target, input, retry and dead-letter queue", () => {
    expect(props(out, "Hourly").Code).toEqual({ ZipFile: "exports.handler = async () => 'ok';" });
    expect(props(out, "HourlyEveryHour")).toEqual({
      ScheduleExpression: "rate(1 hour)",
      Name: "hourly-report",
      State: "DISABLED",
      Targets: [
        {
          Arn: { "Fn::GetAtt": ["Hourly", "Arn"] },
          Id: "HourlyEveryHourLambdaTarget",
          Input: '{"job":"report"}',
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": ["HourlyEveryHourQueue", "Arn"] } },
        },
      ],
    });
    expect(res(out, "HourlyEveryHourQueue").Type).toBe("AWS::SQS::Queue");
    expect(res(out, "HourlyEveryHourQueuePolicy").Type).toBe("AWS::SQS::QueuePolicy");
    expect(props(out, "HourlyEveryHourPermission")).toMatchObject({
      Principal: "events.amazonaws.com",
      SourceArn: { "Fn::GetAtt": ["HourlyEveryHour", "Arn"] },
    });
  });

  it("makes an AWS::Scheduler::Schedule with FlexibleTimeWindow OFF and a generated role", () => {
    expect(props(out, "HourlyNightly")).toEqual({
      ScheduleExpression: "cron(0 2 * * ? *)",
      FlexibleTimeWindow: { Mode: "OFF" },
      ScheduleExpressionTimezone: "Europe/Paris",
      State: "ENABLED",
      Target: {
        Arn: { "Fn::GetAtt": ["Hourly", "Arn"] },
        RoleArn: { "Fn::GetAtt": ["HourlyNightlyRole", "Arn"] },
      },
    });
    expect(JSON.stringify(props(out, "HourlyNightlyRole"))).toContain("scheduler.amazonaws.com");
  });

  it("maps EventBridgeRule Pattern, bus, InputPath and the target id", () => {
    expect(props(out, "HourlyOnOrder")).toEqual({
      EventPattern: { source: ["shop.orders"], "detail-type": ["OrderPlaced"] },
      EventBusName: "orders",
      Targets: [{ Arn: { "Fn::GetAtt": ["Hourly", "Arn"] }, Id: "OrderTarget", InputPath: "$.detail" }],
    });
    expect(res(out, "HourlyOnOrderPermission").Type).toBe("AWS::Lambda::Permission");
    expect(danglingReferences(out.template)).toEqual([]);
  });
});

const ASYNC = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Failures:
    Type: AWS::SQS::Queue
  Alerts:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: worker.handler
      Runtime: nodejs20.x
      CodeUri: s3://artifacts/worker.zip
      DeadLetterQueue: { Type: SQS, TargetArn: !GetAtt Failures.Arn }
      EventInvokeConfig:
        MaximumEventAgeInSeconds: 600
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnSuccess: { Type: SQS }
          OnFailure: { Type: SNS, Destination: !Ref Alerts }
      Events:
        FromQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] }
            ScalingConfig: { MaximumConcurrency: 4 }
        FromTopic:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy: { level: [error] }
            FilterPolicyScope: MessageAttributes
        Buffered:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            SqsSubscription: true
        Stream:
          Type: Kinesis
          Properties: { Stream: arn:aws:kinesis:us-east-1:000000000000:stream/s, StartingPosition: LATEST }
`;

describe("transformSam: an async worker with retries and a dead-letter queue", () => {
  const out = samYaml(ASYNC);

  it("sets DeadLetterConfig and lets the role send to the queue", () => {
    expect(props(out, "Worker").DeadLetterConfig).toEqual({
      TargetArn: { "Fn::GetAtt": ["Failures", "Arn"] },
    });
    expect(JSON.stringify(props(out, "WorkerRole").Policies)).toContain(
      '"PolicyName":"DeadLetterQueuePolicy"',
    );
  });

  it("makes <Fn>EventInvokeConfig on $LATEST and creates the SQS destination queue", () => {
    expect(props(out, "WorkerEventInvokeConfig")).toEqual({
      FunctionName: { Ref: "Worker" },
      Qualifier: "$LATEST",
      MaximumEventAgeInSeconds: 600,
      MaximumRetryAttempts: 1,
      DestinationConfig: {
        OnSuccess: { Destination: { "Fn::GetAtt": ["WorkerEventInvokeConfigOnSuccessQueue", "Arn"] } },
        OnFailure: { Destination: { Ref: "Alerts" } },
      },
    });
    expect(res(out, "WorkerEventInvokeConfigOnSuccessQueue").Type).toBe("AWS::SQS::Queue");
    const policies = JSON.stringify(props(out, "WorkerRole").Policies);
    expect(policies).toContain("sqs:SendMessage");
    expect(policies).toContain("sns:Publish");
  });

  it("maps an SQS event to an event source mapping with every option", () => {
    expect(props(out, "WorkerFromQueue")).toEqual({
      EventSourceArn: { "Fn::GetAtt": ["Jobs", "Arn"] },
      FunctionName: { Ref: "Worker" },
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["a"]}}' }] },
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    expect(JSON.stringify(props(out, "WorkerRole").ManagedPolicyArns)).toContain(
      "AWSLambdaSQSQueueExecutionRole",
    );
  });

  it("subscribes the function to SNS (with filter policy) and permits the topic", () => {
    expect(props(out, "WorkerFromTopic")).toEqual({
      TopicArn: { Ref: "Alerts" },
      FilterPolicy: { level: ["error"] },
      FilterPolicyScope: "MessageAttributes",
      Endpoint: { "Fn::GetAtt": ["Worker", "Arn"] },
      Protocol: "lambda",
    });
    expect(props(out, "WorkerFromTopicPermission")).toMatchObject({
      Principal: "sns.amazonaws.com",
      SourceArn: { Ref: "Alerts" },
    });
  });

  it("puts a queue between topic and function for SqsSubscription", () => {
    expect(props(out, "WorkerBuffered")).toMatchObject({
      Protocol: "sqs",
      Endpoint: { "Fn::GetAtt": ["WorkerBufferedQueue", "Arn"] },
    });
    expect(res(out, "WorkerBufferedQueuePolicy").Type).toBe("AWS::SQS::QueuePolicy");
    expect(props(out, "WorkerBufferedEventSourceMapping")).toEqual({
      EventSourceArn: { "Fn::GetAtt": ["WorkerBufferedQueue", "Arn"] },
      FunctionName: { Ref: "Worker" },
    });
  });

  it("lists an event type Nimbus does not have as unsupported, and expands the rest", () => {
    expect(out.unsupported).toEqual([
      {
        logicalId: "Worker",
        type: "AWS::Serverless::Function",
        property: "Events.Stream",
        reason: "event type Kinesis is not supported by Nimbus (the event is not expanded)",
      },
    ]);
    expect(out.template.Resources.WorkerStream).toBeUndefined();
    expect(danglingReferences(out.template)).toEqual([]);
  });
});

const BLUE_GREEN = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Alias: { Type: String, Default: live }
  CodeKey: { Type: String }
Globals:
  Function:
    Runtime: nodejs20.x
    AutoPublishAlias: !Ref Alias
Resources:
  Latency:
    Type: AWS::CloudWatch::Alarm
    Properties: { MetricName: Errors, Namespace: AWS/Lambda, Threshold: 1, ComparisonOperator: GreaterThanThreshold, EvaluationPeriods: 1, Period: 60, Statistic: Sum }
  Checkout:
    Type: AWS::Serverless::Function
    Properties:
      Handler: checkout.handler
      CodeUri: { Bucket: artifacts, Key: !Ref CodeKey }
      MemorySize: 256
      VersionDescription: checkout
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 }
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms: [!Ref Latency]
        Hooks:
          PreTraffic: !Ref PreTrafficHook
      FunctionUrlConfig: { AuthType: NONE, InvokeMode: BUFFERED }
      EventInvokeConfig: { MaximumRetryAttempts: 0 }
      Events:
        Buy:
          Type: Api
          Properties: { Path: /buy, Method: post }
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      Handler: hook.handler
      CodeUri: s3://artifacts/hook.zip
      AutoPublishAlias: hook
      DeploymentPreference: { Type: Linear10PercentEvery1Minute, Enabled: false }
Outputs:
  Alias:
    Value: !Ref CheckoutAliaslive
  AliasProperty:
    Value: !Ref Checkout.Alias
  VersionProperty:
    Value: !Ref Checkout.Version
  StageProperty:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/\${ServerlessRestApi.Stage}"
`;

describe("transformSam: blue/green with AutoPublishAlias and DeploymentPreference", () => {
  const parameters = { Alias: "live", CodeKey: "checkout-1.zip" };
  const out = samYaml(BLUE_GREEN, parameters);
  const versionOf = (o: { template: Template }) =>
    idsOf(o, "AWS::Lambda::Version").find((id) => id.startsWith("CheckoutVersion"));

  it("publishes <Fn>Version<hash> (retained) and <Fn>Alias<Name> with provisioned concurrency", () => {
    const version = versionOf(out) as string;
    expect(version).toMatch(/^CheckoutVersion[0-9a-f]{10}$/);
    expect(res(out, version)).toEqual({
      Type: "AWS::Lambda::Version",
      DeletionPolicy: "Retain",
      Properties: { FunctionName: { Ref: "Checkout" }, Description: "checkout" },
    });
    expect(props(out, "CheckoutAliaslive")).toEqual({
      Name: "live",
      FunctionName: { Ref: "Checkout" },
      FunctionVersion: { "Fn::GetAtt": [version, "Version"] },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    expect(props(out, "Checkout").ProvisionedConcurrencyConfig).toBeUndefined();
    expect(danglingReferences(out.template)).toEqual([]);
  });

  it("keeps the Version id for unchanged code and changes it for new code, memory or environment", () => {
    expect(versionOf(samYaml(BLUE_GREEN, parameters))).toBe(versionOf(out));
    expect(versionOf(samYaml(BLUE_GREEN, { ...parameters, CodeKey: "checkout-2.zip" }))).not.toBe(
      versionOf(out),
    );
    expect(versionOf(samYaml(BLUE_GREEN.replace("MemorySize: 256", "MemorySize: 512"), parameters))).not.toBe(
      versionOf(out),
    );
    const withSha = BLUE_GREEN.replace("VersionDescription: checkout", "AutoPublishCodeSha256: abc");
    expect(versionOf(samYaml(withSha, parameters))).not.toBe(versionOf(out));
  });

  it("adds the CodeDeploy application, the deployment group and the alias UpdatePolicy as SAM does", () => {
    expect(res(out, "ServerlessDeploymentApplication")).toEqual({
      Type: "AWS::CodeDeploy::Application",
      Properties: { ComputePlatform: "Lambda" },
    });
    expect(props(out, "CheckoutDeploymentGroup")).toEqual({
      ApplicationName: { Ref: "ServerlessDeploymentApplication" },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
      },
      DeploymentConfigName: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
      DeploymentStyle: { DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL" },
      ServiceRoleArn: { "Fn::GetAtt": ["CodeDeployServiceRole", "Arn"] },
      AlarmConfiguration: { Alarms: [{ Name: { Ref: "Latency" } }], Enabled: true },
    });
    expect(res(out, "CheckoutAliaslive").UpdatePolicy).toEqual({
      CodeDeployLambdaAliasUpdate: {
        ApplicationName: { Ref: "ServerlessDeploymentApplication" },
        DeploymentGroupName: { Ref: "CheckoutDeploymentGroup" },
        BeforeAllowTrafficHook: { Ref: "PreTrafficHook" },
      },
    });
    expect(res(out, "CodeDeployServiceRole").Type).toBe("AWS::IAM::Role");
    // Enabled: false -> no group, no update policy for the hook's own alias.
    expect(out.template.Resources.PreTrafficHookDeploymentGroup).toBeUndefined();
    expect(res(out, "PreTrafficHookAliashook").UpdatePolicy).toBeUndefined();
  });

  it("points event sources, the URL and the invoke config at the alias", () => {
    const body = props(out, "ServerlessRestApi").Body as {
      paths: Record<string, Record<string, Record<string, { uri: unknown }>>>;
    };
    expect(body.paths["/buy"]?.post?.["x-amazon-apigateway-integration"]?.uri).toEqual({
      "Fn::Sub":
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${CheckoutAliaslive}/invocations",
    });
    expect(props(out, "CheckoutBuyPermissionProd").FunctionName).toEqual({ Ref: "CheckoutAliaslive" });
    expect(props(out, "CheckoutUrl")).toEqual({
      TargetFunctionArn: { Ref: "CheckoutAliaslive" },
      AuthType: "NONE",
      InvokeMode: "BUFFERED",
    });
    expect(props(out, "CheckoutUrlPublicPermissions")).toEqual({
      Action: "lambda:InvokeFunctionUrl",
      FunctionName: { Ref: "CheckoutAliaslive" },
      Principal: "*",
      FunctionUrlAuthType: "NONE",
    });
    expect(props(out, "CheckoutEventInvokeConfig")).toEqual({
      FunctionName: { Ref: "Checkout" },
      Qualifier: "live",
      MaximumRetryAttempts: 0,
    });
    expect(res(out, "CheckoutEventInvokeConfig").DependsOn).toBe("CheckoutAliaslive");
  });

  it("resolves SAM's property references (MyFunction.Alias, .Version, MyApi.Stage)", () => {
    const outputs = out.template.Outputs ?? {};
    expect(outputs.AliasProperty?.Value).toEqual({ Ref: "CheckoutAliaslive" });
    expect(outputs.VersionProperty?.Value).toEqual({ Ref: versionOf(out) });
    expect(outputs.StageProperty?.Value).toEqual({
      "Fn::Sub":
        "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/${ServerlessRestApiProdStage}",
    });
  });

  it("requires AutoPublishAlias for a DeploymentPreference", () => {
    const template = BLUE_GREEN.replace("    AutoPublishAlias: !Ref Alias\n", "").replace(
      "      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 }\n",
      "",
    );
    expect(() => samYaml(template, parameters)).toThrow(
      "Resource with id [Checkout] is invalid. 'DeploymentPreference' requires AutoPublishAlias property to be specified.",
    );
  });
});

const HTTP_JWT = `
Transform: AWS::Serverless-2016-10-31
Globals:
  HttpApi:
    CorsConfiguration:
      AllowOrigins: [https://app.example.com]
      AllowMethods: [GET, POST]
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: v1
      FailOnWarnings: true
      DefaultRouteSettings: { ThrottlingBurstLimit: 10 }
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: https://issuer.example.com
              audience: [app]
          Custom:
            FunctionArn: !GetAtt Authorizer.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            EnableFunctionDefaultPermissions: true
            Identity: { Headers: [X-Token], ReauthorizeEvery: 60 }
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: { Handler: auth.handler, Runtime: nodejs20.x, InlineCode: x }
  Me:
    Type: AWS::Serverless::Function
    Properties:
      Handler: me.handler
      Runtime: nodejs20.x
      InlineCode: x
      Events:
        GetMe:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /me
            Method: get
            TimeoutInMillis: 5000
            Auth: { AuthorizationScopes: [profile] }
            RouteSettings: { ThrottlingRateLimit: 3 }
        Admin:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: /admin, Method: post, Auth: { Authorizer: Custom } }
        Public:
          Type: HttpApi
          Properties: { ApiId: !Ref Api, Path: /health, Method: get, Auth: { Authorizer: NONE } }
        Default:
          Type: HttpApi
          Properties: { PayloadFormatVersion: "1.0" }
`;

describe("transformSam: HTTP APIs with JWT and Lambda authorizers", () => {
  const out = samYaml(HTTP_JWT);
  const body = props(out, "Api").Body as {
    paths: Record<
      string,
      Record<string, { security?: unknown; "x-amazon-apigateway-integration": Record<string, unknown> }>
    >;
    components: { securitySchemes: Record<string, unknown> };
    "x-amazon-apigateway-cors": unknown;
  };

  it("builds an OpenAPI 3 body with payload format 2.0 routes", () => {
    expect(res(out, "Api").Type).toBe("AWS::ApiGatewayV2::Api");
    expect(props(out, "Api").FailOnWarnings).toBe(true);
    expect(body.paths["/me"]?.get?.["x-amazon-apigateway-integration"]).toEqual({
      type: "aws_proxy",
      httpMethod: "POST",
      uri: {
        "Fn::Sub":
          "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Me.Arn}/invocations",
      },
      payloadFormatVersion: "2.0",
      timeoutInMillis: 5000,
    });
    expect(body["x-amazon-apigateway-cors"]).toEqual({
      allowOrigins: ["https://app.example.com"],
      allowMethods: ["GET", "POST"],
    });
  });

  it("writes the authorizers and each route's security (default, named, NONE)", () => {
    expect(body.components.securitySchemes.Jwt).toEqual({
      type: "oauth2",
      "x-amazon-apigateway-authorizer": {
        type: "jwt",
        jwtConfiguration: { issuer: "https://issuer.example.com", audience: ["app"] },
        identitySource: "$request.header.Authorization",
      },
    });
    expect(body.components.securitySchemes.Custom).toMatchObject({
      "x-amazon-apigateway-authorizer": {
        type: "request",
        authorizerPayloadFormatVersion: "2.0",
        enableSimpleResponses: true,
        identitySource: ["$request.header.X-Token"],
        authorizerResultTtlInSeconds: 60,
      },
    });
    expect(body.paths["/me"]?.get?.security).toEqual([{ Jwt: ["profile"] }]);
    expect(body.paths["/admin"]?.post?.security).toEqual([{ Custom: [] }]);
    expect(body.paths["/health"]?.get?.security).toBeUndefined();
    expect(props(out, "ApiCustomAuthorizerPermission").FunctionName).toEqual({
      "Fn::GetAtt": ["Authorizer", "Arn"],
    });
  });

  it("makes the named stage with AutoDeploy, and the implicit ServerlessHttpApi with its $default stage", () => {
    expect(props(out, "Apiv1Stage")).toEqual({
      ApiId: { Ref: "Api" },
      StageName: "v1",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 10 },
      RouteSettings: { "GET /me": { ThrottlingRateLimit: 3 } },
    });
    expect(props(out, "ServerlessHttpApiApiGatewayDefaultStage")).toEqual({
      ApiId: { Ref: "ServerlessHttpApi" },
      StageName: "$default",
      AutoDeploy: true,
    });
    const implicit = props(out, "ServerlessHttpApi").Body as typeof body;
    expect(
      implicit.paths.$default?.["x-amazon-apigateway-any-method"]?.["x-amazon-apigateway-integration"]
        ?.payloadFormatVersion,
    ).toBe("1.0");
    expect(props(out, "MeDefaultPermission").SourceArn).toEqual({
      "Fn::Sub": [
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/${__Stage__}/*",
        { __ApiId__: { Ref: "ServerlessHttpApi" }, __Stage__: "*" },
      ],
    });
    expect((props(out, "MeGetMePermission").SourceArn as { "Fn::Sub": [string] })["Fn::Sub"][0]).toMatch(
      /\/GET\/me$/,
    );
    expect(danglingReferences(out.template)).toEqual([]);
  });
});

const REST_AUTH = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: beta }
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Name: shop
      Variables: { mode: test }
      TracingEnabled: true
      MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 5 }]
      BinaryMediaTypes: [image~1png]
      EndpointConfiguration: REGIONAL
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Content-Type,Authorization'"
        MaxAge: 600
      GatewayResponses:
        DEFAULT_4XX:
          StatusCode: 400
          ResponseParameters:
            Headers: { Access-Control-Allow-Origin: "'*'" }
      Auth:
        DefaultAuthorizer: TokenAuth
        ApiKeyRequired: true
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt Authorizer.Arn
            Identity: { Header: X-Auth, ValidationExpression: "^Bearer .+$", ReauthorizeEvery: 0 }
          RequestAuth:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt Authorizer.Arn
            Identity: { Headers: [X-Id], QueryStrings: [tenant] }
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: { Limit: 1000, Period: DAY }
          Throttle: { BurstLimit: 20, RateLimit: 10 }
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: { Handler: auth.handler, Runtime: nodejs20.x, InlineCode: x }
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.handler
      Runtime: nodejs20.x
      InlineCode: x
      Events:
        List:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /orders, Method: get }
        Create:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: post
            Auth: { Authorizer: RequestAuth, ApiKeyRequired: false }
        Ping:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /ping
            Method: get
            Auth: { Authorizer: NONE }
`;

describe("transformSam: an explicit REST API with CORS, authorizers and a usage plan", () => {
  const out = samYaml(REST_AUTH, { Stage: "beta" });
  type Method = Record<string, unknown> & { security?: unknown };
  const body = props(out, "Api").Body as {
    paths: Record<string, Record<string, Method>>;
    securityDefinitions: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;

  it("puts the event paths, binary types and gateway responses in the body; Name and endpoint on the RestApi", () => {
    expect(Object.keys(body.paths)).toEqual(["/orders", "/ping"]);
    expect(body["x-amazon-apigateway-binary-media-types"]).toEqual(["image/png"]);
    expect(body["x-amazon-apigateway-gateway-responses"]).toEqual({
      DEFAULT_4XX: {
        statusCode: 400,
        responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" },
      },
    });
    expect(props(out, "Api")).toMatchObject({
      Name: "shop",
      BinaryMediaTypes: ["image/png"],
      EndpointConfiguration: { Types: ["REGIONAL"] },
      Parameters: { endpointConfigurationTypes: "REGIONAL" },
    });
  });

  it("adds an OPTIONS mock method answering the CORS headers on every path", () => {
    const options = body.paths["/orders"]?.options as Record<string, Record<string, unknown>>;
    const integration = options["x-amazon-apigateway-integration"] as {
      type: string;
      responses: { default: { responseParameters: Record<string, string> } };
    };
    expect(integration.type).toBe("mock");
    expect(integration.responses.default.responseParameters).toEqual({
      "method.response.header.Access-Control-Allow-Origin": "'*'",
      "method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
      "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS,POST'",
      "method.response.header.Access-Control-Max-Age": "'600'",
    });
    expect(body.paths["/ping"]?.options).toBeDefined();
  });

  it("writes the Lambda authorizers and the security of each method (default, named, NONE, api key)", () => {
    expect(body.securityDefinitions.TokenAuth).toEqual({
      type: "apiKey",
      name: "X-Auth",
      in: "header",
      "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {
        type: "token",
        authorizerUri: {
          "Fn::Sub": [
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
            { __FunctionArn__: { "Fn::GetAtt": ["Authorizer", "Arn"] } },
          ],
        },
        authorizerResultTtlInSeconds: 0,
        identitySource: "method.request.header.X-Auth",
        identityValidationExpression: "^Bearer .+$",
      },
    });
    expect(body.securityDefinitions.RequestAuth?.["x-amazon-apigateway-authorizer"]).toMatchObject({
      type: "request",
      identitySource: "method.request.header.X-Id, method.request.querystring.tenant",
    });
    expect(body.securityDefinitions.api_key).toEqual({ type: "apiKey", name: "x-api-key", in: "header" });
    expect(body.paths["/orders"]?.get?.security).toEqual([{ TokenAuth: [] }, { api_key: [] }]);
    expect(body.paths["/orders"]?.post?.security).toEqual([{ RequestAuth: [] }]);
    expect(body.paths["/ping"]?.get?.security).toEqual([{ api_key: [] }]);
    expect(props(out, "ApiTokenAuthAuthorizerPermission")).toMatchObject({
      FunctionName: { "Fn::GetAtt": ["Authorizer", "Arn"] },
      Principal: "apigateway.amazonaws.com",
    });
  });

  it("names the stage from the StageName parameter and suffixes the permissions with it", () => {
    expect(props(out, "ApibetaStage")).toMatchObject({
      RestApiId: { Ref: "Api" },
      StageName: { Ref: "Stage" },
      Variables: { mode: "test" },
      TracingEnabled: true,
      MethodSettings: [{ ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 5 }],
    });
    expect(res(out, "OrdersListPermissionbeta").Type).toBe("AWS::Lambda::Permission");
  });

  it("creates the PER_API usage plan, API key and usage plan key", () => {
    expect(props(out, "ApiUsagePlan")).toEqual({
      ApiStages: [{ ApiId: { Ref: "Api" }, Stage: { Ref: "ApibetaStage" } }],
      Quota: { Limit: 1000, Period: "DAY" },
      Throttle: { BurstLimit: 20, RateLimit: 10 },
    });
    expect(props(out, "ApiApiKey")).toEqual({
      Enabled: true,
    });
    expect(props(out, "ApiUsagePlanKey")).toEqual({
      KeyId: { Ref: "ApiApiKey" },
      KeyType: "API_KEY",
      UsagePlanId: { Ref: "ApiUsagePlan" },
    });
    expect(danglingReferences(out.template)).toEqual([]);
  });

  it("leaves a user DefinitionBody's paths alone and only adds permissions", () => {
    const own = samYaml(
      REST_AUTH.replace(
        "      Name: shop\n",
        "      Name: shop\n      DefinitionBody: { swagger: '2.0', info: { title: mine }, paths: {} }\n",
      )
        .replace(/ {6}Cors:[\s\S]*?(?= {6}GatewayResponses)/, "")
        .replace(/ {6}Auth:\n {8}DefaultAuthorizer[\s\S]*?(?= {2}Authorizer:\n)/, ""),
      { Stage: "beta" },
    );
    expect((props(own, "Api").Body as { paths: object }).paths).toEqual({});
    expect(res(own, "OrdersCreatePermissionbeta").Type).toBe("AWS::Lambda::Permission");
  });

  it("reads DefinitionUri into BodyS3Location", () => {
    const fromS3 = samYaml(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: { StageName: prod, DefinitionUri: s3://specs/api.yaml }
`);
    expect(props(fromS3, "Api")).toEqual({ BodyS3Location: { Bucket: "specs", Key: "api.yaml" } });
    expect(idsOf(fromS3, "AWS::ApiGateway::Stage")).toEqual(["ApiprodStage"]);
  });
});

const LAYERS_AND_STATE_MACHINES = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: s3://artifacts/deps.zip
      CompatibleRuntimes: [nodejs20.x]
      RetentionPolicy: Delete
  Step:
    Type: AWS::Serverless::Function
    Properties:
      Handler: step.handler
      Runtime: nodejs20.x
      CodeUri: s3://artifacts/step.zip
      Layers: [!Ref Deps]
  Approvals:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: approvals
      Type: STANDARD
      Definition:
        StartAt: Work
        States:
          Work: { Type: Task, Resource: "\${StepArn}", End: true }
      DefinitionSubstitutions:
        StepArn: !GetAtt Step.Arn
      Policies:
        - LambdaInvokePolicy: { FunctionName: !Ref Step }
      Events:
        Daily:
          Type: Schedule
          Properties: { Schedule: rate(1 day) }
        Start:
          Type: Api
          Properties: { Path: /approvals, Method: post }
Outputs:
  LayerArn:
    Value: !Ref Deps
  Sub:
    Value: !Sub "layer \${Deps}"
`;

describe("transformSam: layers and state machines", () => {
  const out = samYaml(LAYERS_AND_STATE_MACHINES);
  const layerId = idsOf(out, "AWS::Lambda::LayerVersion")[0] as string;

  it("renames the layer with a content hash and rewrites every reference to it", () => {
    expect(layerId).toMatch(/^Deps[0-9a-f]{10}$/);
    expect(res(out, layerId)).toEqual({
      Type: "AWS::Lambda::LayerVersion",
      DeletionPolicy: "Delete",
      Properties: {
        Content: { S3Bucket: "artifacts", S3Key: "deps.zip" },
        LayerName: "Deps",
        CompatibleRuntimes: ["nodejs20.x"],
      },
    });
    expect(props(out, "Step").Layers).toEqual([{ Ref: layerId }]);
    expect(out.template.Outputs?.LayerArn?.Value).toEqual({ Ref: layerId });
    expect(out.template.Outputs?.Sub?.Value).toEqual({ "Fn::Sub": `layer \${${layerId}}` });
    const changed = samYaml(LAYERS_AND_STATE_MACHINES.replace("deps.zip", "deps-2.zip"));
    expect(idsOf(changed, "AWS::Lambda::LayerVersion")[0]).not.toBe(layerId);
  });

  it("makes the state machine with its definition, substitutions, role and tags", () => {
    expect(props(out, "Approvals")).toEqual({
      Definition: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "${StepArn}", End: true } } },
      DefinitionSubstitutions: { StepArn: { "Fn::GetAtt": ["Step", "Arn"] } },
      StateMachineName: "approvals",
      StateMachineType: "STANDARD",
      RoleArn: { "Fn::GetAtt": ["ApprovalsRole", "Arn"] },
      Tags: [{ Key: "stateMachine:createdBy", Value: "SAM" }],
    });
    expect(JSON.stringify(props(out, "ApprovalsRole"))).toContain("states.amazonaws.com");
  });

  it("publishes a version and an alias for AutoPublishAlias, and targets the alias when asked", () => {
    const aliased = samYaml(
      LAYERS_AND_STATE_MACHINES.replace(
        "      Name: approvals\n",
        "      Name: approvals\n      AutoPublishAlias: live\n      UseAliasAsEventTarget: true\n      DeploymentPreference: { Type: CANARY, Percentage: 10, Interval: 5 }\n",
      ),
    );
    expect(res(aliased, "ApprovalsVersion")).toEqual({
      Type: "AWS::StepFunctions::StateMachineVersion",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        StateMachineArn: { Ref: "Approvals" },
        StateMachineRevisionId: { "Fn::GetAtt": ["Approvals", "StateMachineRevisionId"] },
      },
    });
    expect(props(aliased, "ApprovalsAliaslive")).toEqual({
      Name: "live",
      RoutingConfiguration: [{ StateMachineVersionArn: { Ref: "ApprovalsVersion" }, Weight: 100 }],
    });
    expect((props(aliased, "ApprovalsDaily").Targets as { Arn: unknown }[])[0]?.Arn).toEqual({
      Ref: "ApprovalsAliaslive",
    });
    expect(aliased.unsupported).toEqual([
      expect.objectContaining({ logicalId: "Approvals", property: "DeploymentPreference.Type" }),
    ]);
    expect(danglingReferences(aliased.template)).toEqual([]);
  });

  it("starts executions from a schedule rule and from an API (AWS integration) through generated roles", () => {
    expect(props(out, "ApprovalsDaily")).toEqual({
      ScheduleExpression: "rate(1 day)",
      Targets: [
        {
          Arn: { Ref: "Approvals" },
          Id: "ApprovalsDailyStepFunctionsTarget",
          RoleArn: { "Fn::GetAtt": ["ApprovalsDailyRole", "Arn"] },
        },
      ],
    });
    const body = props(out, "ServerlessRestApi").Body as {
      paths: Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    };
    const integration = body.paths["/approvals"]?.post?.["x-amazon-apigateway-integration"] ?? {};
    expect(integration.type).toBe("aws");
    expect(integration.uri).toEqual({
      "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution",
    });
    expect(integration.credentials).toEqual({ "Fn::GetAtt": ["ApprovalsStartRole", "Arn"] });
    expect(out.template.Resources.ApprovalsStartPermissionProd).toBeUndefined();
    expect(danglingReferences(out.template)).toEqual([]);
  });
});

describe("transformSam: errors and unsupported parts", () => {
  it("asks to package a local CodeUri first (ERR_STACK_SAM_NOT_PACKAGED)", () => {
    let error: unknown;
    try {
      samYaml(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Handler: a.b, Runtime: nodejs20.x, CodeUri: ./src }
`);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "ERR_STACK_SAM_NOT_PACKAGED",
      awsName: "ValidationError",
      message: expect.stringContaining(
        "Resource with id [Fn] is invalid. CodeUri ./src is a local path: package it first (nimbus deploy or aws cloudformation package).",
      ),
    });
  });

  it("reports every problem at once (ERR_STACK_SAM_INVALID)", () => {
    expect(() =>
      samYaml(`
Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: { Handler: a.b, Runtime: nodejs20.x }
  B:
    Type: AWS::Serverless::Function
    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x, AutoPublishAlias: bad-name }
`),
    ).toThrow(
      "Invalid Serverless Application Specification document. Number of errors found: 2. " +
        "Resource with id [A] is invalid. Either 'InlineCode' or 'CodeUri' must be set. " +
        "Resource with id [B] is invalid. AutoPublishAlias must contain only alphanumeric characters.",
    );
  });

  it("lists unsupported resource types (left out), container functions and unknown properties", () => {
    const out = samYaml(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
  Nested:
    Type: AWS::Serverless::Application
    Properties: { Location: s3://x/y }
  Image:
    Type: AWS::Serverless::Function
    Properties: { PackageType: Image, ImageUri: repo/image:1 }
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x, PropagateTags: true }
`);
    expect(out.template.Transform).toBeUndefined();
    expect(Object.keys(out.template.Resources).sort()).toEqual(["Fn", "FnRole"]);
    expect(out.unsupported).toEqual([
      {
        logicalId: "Image",
        type: "AWS::Serverless::Function",
        property: "PackageType",
        reason: "container image functions are not supported by Nimbus (the function is not deployed)",
      },
      {
        logicalId: "Fn",
        type: "AWS::Serverless::Function",
        property: "PropagateTags",
        reason: "property not supported by the Nimbus SAM transform",
      },
      {
        logicalId: "Table",
        type: "AWS::Serverless::SimpleTable",
        reason: "no DynamoDB in Nimbus (the resource is left out of the deployed template)",
      },
      {
        logicalId: "Nested",
        type: "AWS::Serverless::Application",
        reason:
          "no nested applications (Serverless Application Repository) in Nimbus (the resource is left out of the deployed template)",
      },
    ]);
  });

  it("rejects a Globals property SAM does not allow", () => {
    expect(() =>
      samYaml(`
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: { Handler: a.b, Events: {} }
Resources:
  Q: { Type: AWS::SQS::Queue }
`),
    ).toThrow(/Resource with id \[Globals\] is invalid\. 'Events' is not a supported property of 'Function'/);
  });

  it("recognises SAM templates by their Transform", () => {
    expect(isSamTemplate({ Transform: "AWS::Serverless-2016-10-31", Resources: {} })).toBe(true);
    expect(
      isSamTemplate({ Transform: ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], Resources: {} }),
    ).toBe(true);
    expect(isSamTemplate({ Resources: {} })).toBe(false);
  });

  it("keeps other transforms of the list for the engine", () => {
    const out = transformSam(
      { Transform: ["AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"], Resources: {} },
      context,
    );
    expect(out.template.Transform).toEqual(["AWS::LanguageExtensions"]);
  });
});

describe("transformSam: conditions and API references", () => {
  const CONDITIONAL = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  WithAdmin: { Type: String, Default: "no" }
Conditions:
  Admin: !Equals [!Ref WithAdmin, "yes"]
Globals:
  Api:
    Cors: "'*'"
Resources:
  Public:
    Type: AWS::Serverless::Function
    Properties:
      Handler: p.handler
      Runtime: nodejs20.x
      InlineCode: x
      Events:
        Get: { Type: Api, Properties: { Path: /public, Method: get } }
  AdminFn:
    Type: AWS::Serverless::Function
    Condition: Admin
    Properties:
      Handler: a.handler
      Runtime: nodejs20.x
      InlineCode: x
      Events:
        Get: { Type: Api, Properties: { Path: /admin, Method: get } }
`;

  it("wraps a conditional function's method in Fn::If and conditions what it generates", () => {
    const out = samYaml(CONDITIONAL);
    const body = props(out, "ServerlessRestApi").Body as { paths: Record<string, Record<string, unknown>> };
    const admin = body.paths["/admin"]?.get as { "Fn::If": [string, Record<string, unknown>, unknown] };
    expect(admin["Fn::If"][0]).toBe("Admin");
    expect(admin["Fn::If"][2]).toEqual({ Ref: "AWS::NoValue" });
    expect(admin["Fn::If"][1]["x-amazon-apigateway-integration"]).toBeDefined();
    expect(body.paths["/public"]?.options).toBeDefined();
    expect(res(out, "AdminFn").Condition).toBe("Admin");
    expect(res(out, "AdminFnRole").Condition).toBe("Admin");
    expect(res(out, "AdminFnGetPermissionProd").Condition).toBe("Admin");
    expect(res(out, "PublicGetPermissionProd").Condition).toBeUndefined();
  });

  it("refuses an Api event whose RestApiId is not a Serverless::Api of the template", () => {
    expect(() =>
      samYaml(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: nodejs20.x
      InlineCode: x
      Events:
        Get: { Type: Api, Properties: { RestApiId: !Ref Missing, Path: /x, Method: get } }
`),
    ).toThrow(
      "Resource with id [Missing] is invalid. RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template.",
    );
  });
});
