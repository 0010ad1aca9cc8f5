import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

// boto3 parses awsQuery XML with its own (strict) parser: this drives the SNS API with it.
const SCRIPT = String.raw`
import sys, json, boto3
url = sys.argv[1]
sns = boto3.client("sns", endpoint_url=url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
t = sns.create_topic(Name="boto", Attributes={"DisplayName": "B"}, Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
print(sns.get_topic_attributes(TopicArn=t)["Attributes"]["DisplayName"])
q = sqs.create_queue(QueueName="boto-q")["QueueUrl"]
qa = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s = sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=qa, Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)["SubscriptionArn"]
print(sns.get_subscription_attributes(SubscriptionArn=s)["Attributes"]["RawMessageDelivery"])
r = sns.publish(TopicArn=t, Message="hi", MessageAttributes={"a": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}, "n": {"DataType": "Number", "StringValue": "5"}})
print("published", r["MessageId"])
b = sns.publish_batch(TopicArn=t, PublishBatchRequestEntries=[{"Id": "1", "Message": "x"}, {"Id": "2", "Message": ""}])
print(len(b["Successful"]), b["Failed"][0]["Code"], b["Failed"][0]["SenderFault"])
print([x["TopicArn"] for x in sns.list_topics()["Topics"]])
print(len(sns.list_subscriptions_by_topic(TopicArn=t)["Subscriptions"]))
print(sns.list_tags_for_resource(ResourceArn=t)["Tags"])
m = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=2, MessageAttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
print(sorted(x["Body"] for x in m), m[0].get("MessageAttributes"))
try:
    sns.get_topic_attributes(TopicArn=t + "x")
except sns.exceptions.NotFoundException as e:
    print("NotFound ok", e.response["Error"]["Message"])
try:
    sns.publish_batch(TopicArn=t, PublishBatchRequestEntries=[])
except Exception as e:
    print(type(e).__name__)
`;

describe("SNS through boto3", () => {
  let nimbus: TestNimbus;
  beforeAll(async () => {
    nimbus = await startNimbus();
  });
  afterAll(async () => {
    await nimbus.stop();
  });

  it("creates, subscribes, publishes (with binary attributes), batches, lists, tags and maps errors", async ({
    skip,
  }) => {
    if (spawnSync("python3", ["-c", "import boto3"]).status !== 0) {
      console.warn("SKIPPING the boto3 SNS test: the host's python3 has no boto3");
      skip();
    }
    const { stdout } = await promisify(execFile)("python3", ["-c", SCRIPT, nimbus.url]);
    expect(stdout.trim().split("\n")).toEqual([
      "B",
      "true",
      expect.stringMatching(/^published [0-9a-f-]{36}$/),
      "1 InvalidParameter True",
      "['arn:aws:sns:us-east-1:000000000000:boto']",
      "1",
      "[{'Key': 'k', 'Value': 'v'}]",
      "['hi', 'x'] {'a': {'BinaryValue': b'\\x01\\x02', 'DataType': 'Binary'}, 'n': {'StringValue': '5', 'DataType': 'Number'}}",
      "NotFound ok Topic does not exist",
      "EmptyBatchRequestException",
    ]);
  });
});
