import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const cli = requireAwsCli();
let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
  await createFixtureFunction(nimbus.lambda, "alb-echo", "node/alb-echo");
});

afterAll(async () => {
  await nimbus?.stop();
});

describe.skipIf(!cli)("load balancers with the Debian AWS CLI (elbv2)", () => {
  it("runs the docs' quick start: load balancer, Lambda target group, listener, rule, traffic", async () => {
    const elbv2 = (...args: string[]) =>
      aws(cli as string, nimbus.url, ["elbv2", ...args, "--output", "text"]);
    const lb = (
      await elbv2(
        "create-load-balancer",
        "--name",
        "web",
        "--subnets",
        "subnet-1",
        "subnet-2",
        "--query",
        "LoadBalancers[0].LoadBalancerArn",
      )
    ).trim();
    expect(lb).toMatch(/:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
    const tg = (
      await elbv2(
        "create-target-group",
        "--name",
        "fns",
        "--target-type",
        "lambda",
        "--query",
        "TargetGroups[0].TargetGroupArn",
      )
    ).trim();
    await elbv2(
      "register-targets",
      "--target-group-arn",
      tg,
      "--targets",
      "Id=arn:aws:lambda:us-east-1:000000000000:function:alb-echo",
    );
    const listener = (
      await elbv2(
        "create-listener",
        "--load-balancer-arn",
        lb,
        "--protocol",
        "HTTP",
        "--port",
        "80",
        "--default-actions",
        "Type=fixed-response,FixedResponseConfig={StatusCode=404,MessageBody=none}",
        "--query",
        "Listeners[0].ListenerArn",
      )
    ).trim();
    await elbv2(
      "create-rule",
      "--listener-arn",
      listener,
      "--priority",
      "10",
      "--conditions",
      "Field=path-pattern,Values=/api/*",
      "--actions",
      `Type=forward,TargetGroupArn=${tg}`,
    );
    const priorities = await elbv2(
      "describe-rules",
      "--listener-arn",
      listener,
      "--query",
      "Rules[].Priority",
    );
    expect(priorities.trim().split(/\s+/)).toEqual(["10", "default"]);

    const routed = await fetch(`${nimbus.url}/_nimbus/elb/web/api/items`);
    expect(routed.status).toBe(200);
    expect(((await routed.json()) as { path: string }).path).toBe("/api/items");
    const other = await fetch(`${nimbus.url}/_nimbus/elb/web/else`);
    expect(other.status).toBe(404);
    expect(await other.text()).toBe("none");

    const clash = await aws(cli as string, nimbus.url, [
      "elbv2",
      "create-rule",
      "--listener-arn",
      listener,
      "--priority",
      "10",
      "--conditions",
      "Field=path-pattern,Values=/x",
      "--actions",
      `Type=forward,TargetGroupArn=${tg}`,
    ]).catch((error: { stderr?: string }) => error.stderr ?? "");
    expect(clash).toContain("PriorityInUse");
  });
});
