import { describe, expect, it } from "vitest";
import { awsServiceTargetOf, isLambdaUri } from "./aws-service-uri.js";
import { REST_API_ERRORS } from "./errors.js";

const ARN = "arn:aws:apigateway:us-east-1";

describe("awsServiceTargetOf", () => {
  it("reads action URIs, with the fixed parameters written after the action", () => {
    expect(awsServiceTargetOf(`${ARN}:states:action/StartExecution`)).toMatchObject({
      service: "states",
      action: "StartExecution",
    });
    const sns = awsServiceTargetOf(`${ARN}:sns:action/Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At`);
    expect(sns.action).toBe("Publish");
    expect(sns.params.get("TopicArn")).toBe("arn:aws:sns:us-east-1:1:t");
  });

  it("reads path URIs: an SQS queue path, SNS's root", () => {
    expect(awsServiceTargetOf(`${ARN}:sqs:path/123456789012/orders`)).toMatchObject({
      service: "sqs",
      path: "/123456789012/orders",
    });
    expect(awsServiceTargetOf(`${ARN}:sqs:path/{account}/\${stageVariables.queue}`).path).toBe(
      `/{account}/\${stageVariables.queue}`,
    );
    expect(awsServiceTargetOf(`${ARN}:sns:path//`)).toMatchObject({ service: "sns", path: "/" });
  });

  it("refuses other services, unimplemented actions and paths, naming them", () => {
    const refused = (uri: string, text: RegExp) =>
      expect(() => awsServiceTargetOf(uri)).toThrow(
        expect.objectContaining({ code: REST_API_ERRORS.unsupported, message: expect.stringMatching(text) }),
      );
    refused(`${ARN}:dynamodb:action/PutItem`, /other than Lambda.*the service 'dynamodb'/);
    refused(`${ARN}:states:action/RedriveExecution`, /Step Functions action 'RedriveExecution'/);
    refused(`${ARN}:states:path/x`, /path URI for Step Functions/);
    refused(`${ARN}:sqs:path/q`, /SQS path '\/q'/);
    expect(() => awsServiceTargetOf("arn:aws:states:us-east-1:1:stateMachine:x")).toThrow(
      expect.objectContaining({ code: REST_API_ERRORS.badRequest }),
    );
  });

  it("tells Lambda function URIs apart", () => {
    expect(
      isLambdaUri(
        `${ARN}:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations`,
      ),
    ).toBe(true);
    expect(isLambdaUri(`${ARN}:sqs:path/1/q`)).toBe(false);
  });
});
