// End-to-end test of the deployed app: `nimbus deploy` first, then `npm test`.
// NIMBUS_ENDPOINT (default http://127.0.0.1:4566), STACK_NAME (default __STACK_NAME__),
// NIMBUS_CLI (default `nimbus`; a path to nimbus.js works too).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const endpoint = (process.env.NIMBUS_ENDPOINT ?? "http://127.0.0.1:4566").replace(/\/+$/, "");
const stackName = process.env.STACK_NAME ?? "__STACK_NAME__";
const events = new URL("../events/", import.meta.url);

function nimbus(...args) {
  const cli = process.env.NIMBUS_CLI ?? "nimbus";
  const [cmd, argv] = cli.endsWith(".js") ? [process.execPath, [cli, ...args]] : [cli, args];
  return execFileSync(cmd, [...argv, "--endpoint", endpoint, "--output", "json"], { encoding: "utf8" });
}

const stack = JSON.parse(nimbus("stacks", "show", stackName));
const output = (key) => stack.outputs.find((o) => o.key === key)?.value;

test("GET /hello answers through the HTTP API", async () => {
  // The path form of the API's address works for any client (the host form needs *.localhost).
  const url = `${endpoint}/_nimbus/execute-api/${output("HelloApiId")}/hello?name=Ada`;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { message: "Hello, Ada!" });
});

test("the worker reports the message that is not JSON", () => {
  const answer = JSON.parse(
    nimbus("invoke", output("WorkerFunctionName"), "--event", new URL("sqs.json", events).pathname),
  );
  assert.deepEqual(answer.payload, {
    batchItemFailures: [{ itemIdentifier: "2e1424d4-f796-459a-8184-9c92662be6da" }],
  });
});

test("a job sent to the queue reaches the worker", async () => {
  const id = Date.now();
  const res = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessage" },
    body: JSON.stringify({
      QueueUrl: output("WorkQueueUrl"),
      MessageBody: JSON.stringify({ job: "test", id }),
    }),
  });
  assert.equal(res.status, 200);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const logs = JSON.parse(nimbus("logs", output("WorkerFunctionName"), "--since", "5m"));
    if (logs.events.some((e) => e.message.includes(`"id": ${id}`))) break;
    assert.ok(Date.now() < deadline, "the worker did not log the job within 30 s");
    await new Promise((r) => setTimeout(r, 500));
  }
});

test("the sample event matches what the function reads", () => {
  const event = JSON.parse(readFileSync(new URL("event.json", events), "utf8"));
  assert.equal(event.queryStringParameters.name, "Nimbus");
});
