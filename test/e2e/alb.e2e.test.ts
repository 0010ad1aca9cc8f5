import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DuplicateListenerException,
  DuplicateLoadBalancerNameException,
  ElasticLoadBalancingV2Client,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  OperationNotPermittedException,
  PriorityInUseException,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  ResourceInUseException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
  TooManyTagsException,
  TooManyTargetsException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const FN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

let nimbus: TestNimbus;
let elb: ElasticLoadBalancingV2Client;

/** The error a call fails with (the test fails when it succeeds). */
async function failure(call: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return {
      name: e.name,
      message: e.message,
      ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}),
    };
  }
  throw new Error("the call succeeded");
}

async function loadBalancer(name: string) {
  const out = await elb.send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: ["subnet-a", "subnet-b"] }),
  );
  return out.LoadBalancers?.[0]?.LoadBalancerArn ?? "";
}

async function targetGroup(name: string) {
  const out = await elb.send(new CreateTargetGroupCommand({ Name: name, TargetType: "lambda" }));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? "";
}

beforeAll(async () => {
  nimbus = await startNimbus();
  elb = new ElasticLoadBalancingV2Client(clientConfig(nimbus.url));
  await createFixtureFunction(nimbus.lambda, "alb-echo", "node/alb-echo");
});

afterAll(async () => {
  elb?.destroy();
  await nimbus?.stop();
});

describe("load balancers", () => {
  it("are created, described and deleted with AWS's shapes", async () => {
    const created = await elb.send(
      new CreateLoadBalancerCommand({
        Name: "shop",
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-1"],
      }),
    );
    const lb = created.LoadBalancers?.[0];
    expect(lb?.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/shop\/[0-9a-f]{16}$/,
    );
    expect(lb).toMatchObject({
      LoadBalancerName: "shop",
      Type: "application",
      Scheme: "internet-facing",
      State: { Code: "active" },
      IpAddressType: "ipv4",
      SecurityGroups: ["sg-1"],
    });
    expect(lb?.DNSName).toMatch(/^shop-[0-9a-f]{10}\.elb\.localhost$/);
    expect(lb?.CreatedTime).toBeInstanceOf(Date);
    // The same name and settings answer the same load balancer; other settings are a duplicate.
    const again = await elb.send(
      new CreateLoadBalancerCommand({
        Name: "shop",
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-1"],
      }),
    );
    expect(again.LoadBalancers?.[0]?.LoadBalancerArn).toBe(lb?.LoadBalancerArn);
    const dup = await failure(
      elb.send(new CreateLoadBalancerCommand({ Name: "shop", Subnets: ["subnet-c", "subnet-d"] })),
    );
    expect(dup.name).toBe(DuplicateLoadBalancerNameException.name);

    const byName = await elb.send(new DescribeLoadBalancersCommand({ Names: ["shop"] }));
    expect(byName.LoadBalancers?.map((l) => l.LoadBalancerArn)).toEqual([lb?.LoadBalancerArn]);
    const byArn = await elb.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb?.LoadBalancerArn ?? ""] }),
    );
    expect(byArn.LoadBalancers?.[0]?.LoadBalancerName).toBe("shop");

    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
    const gone = await failure(elb.send(new DescribeLoadBalancersCommand({ Names: ["shop"] })));
    expect(gone).toMatchObject({ name: LoadBalancerNotFoundException.name, status: 400 });
    // Deleting again succeeds, as on AWS.
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb?.LoadBalancerArn }));
  });

  it("refuses what Nimbus cannot serve, naming it", async () => {
    const network = await failure(
      elb.send(new CreateLoadBalancerCommand({ Name: "nlb", Type: "network", Subnets: ["s1", "s2"] })),
    );
    expect(network.name).toBe("ValidationError");
    expect(network.message).toContain("'network'");
    const mappings = await failure(
      elb.send(
        new CreateLoadBalancerCommand({
          Name: "mapped",
          SubnetMappings: [{ SubnetId: "s", AllocationId: "eipalloc-1" }],
        }),
      ),
    );
    expect(mappings.message).toBe("SubnetMappings is not supported by Nimbus");
    const oneSubnet = await failure(
      elb.send(new CreateLoadBalancerCommand({ Name: "one", Subnets: ["s1"] })),
    );
    expect(oneSubnet).toMatchObject({
      name: "ValidationError",
      message: "At least two subnets in two different Availability Zones must be specified",
    });
    const badName = await failure(
      elb.send(new CreateLoadBalancerCommand({ Name: "-bad", Subnets: ["s1", "s2"] })),
    );
    expect(badName.name).toBe("ValidationError");
    const unknown = await failure(
      elb.send(
        new DescribeListenersCommand({
          ListenerArns: [
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/0123456789abcdef/0123456789abcdef",
          ],
        }),
      ),
    );
    expect(unknown.name).toBe(ListenerNotFoundException.name);
  });
});

describe("tags", () => {
  it("are kept on load balancers, listeners, rules and target groups", async () => {
    const created = await elb.send(
      new CreateLoadBalancerCommand({
        Name: "tagged",
        Subnets: ["s1", "s2"],
        Tags: [{ Key: "team", Value: "web" }],
      }),
    );
    const lbArn = created.LoadBalancers?.[0]?.LoadBalancerArn ?? "";
    const tg =
      (
        await elb.send(
          new CreateTargetGroupCommand({
            Name: "tagged-tg",
            TargetType: "lambda",
            Tags: [{ Key: "t", Value: "1" }],
          }),
        )
      ).TargetGroups?.[0]?.TargetGroupArn ?? "";
    const listener =
      (
        await elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Port: 80,
            DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
            Tags: [{ Key: "l", Value: "2" }],
          }),
        )
      ).Listeners?.[0]?.ListenerArn ?? "";
    await elb.send(new AddTagsCommand({ ResourceArns: [lbArn, tg], Tags: [{ Key: "env", Value: "dev" }] }));
    await elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: ["team"] }));
    const described = await elb.send(new DescribeTagsCommand({ ResourceArns: [lbArn, tg, listener] }));
    expect(described.TagDescriptions).toEqual([
      { ResourceArn: lbArn, Tags: [{ Key: "env", Value: "dev" }] },
      {
        ResourceArn: tg,
        Tags: [
          { Key: "t", Value: "1" },
          { Key: "env", Value: "dev" },
        ],
      },
      { ResourceArn: listener, Tags: [{ Key: "l", Value: "2" }] },
    ]);
    const reserved = await failure(
      elb.send(new AddTagsCommand({ ResourceArns: [tg], Tags: [{ Key: "aws:x", Value: "1" }] })),
    );
    expect(reserved.name).toBe("ValidationError");
    const tooMany = await failure(
      elb.send(
        new AddTagsCommand({
          ResourceArns: [tg],
          Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: "v" })),
        }),
      ),
    );
    expect(tooMany.name).toBe(TooManyTagsException.name);
  });
});

describe("target groups", () => {
  it("take one function, the multi-value attribute and report target health", async () => {
    const refused = await failure(
      elb.send(new CreateTargetGroupCommand({ Name: "inst", TargetType: "instance" })),
    );
    expect(refused).toMatchObject({ name: "ValidationError" });
    expect(refused.message).toContain("'instance'");
    const withPort = await failure(
      elb.send(
        new CreateTargetGroupCommand({ Name: "port", TargetType: "lambda", Port: 80, Protocol: "HTTP" }),
      ),
    );
    expect(withPort.message).toContain("cannot be specified for target groups with target type 'lambda'");

    const arn = await targetGroup("fns");
    expect(arn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup\/fns\/[0-9a-f]{16}$/,
    );
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: FN("alb-echo") }] }));
    const second = await failure(
      elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: FN("other") }] })),
    );
    expect(second.name).toBe(TooManyTargetsException.name);
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: FN("alb-echo") },
        TargetHealth: {
          State: "unused",
          Reason: "Target.NotInUse",
          Description: "Target group is not configured to receive traffic from the load balancer",
        },
      },
    ]);

    const attributes = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
    expect(attributes.Attributes).toEqual([{ Key: "lambda.multi_value_headers.enabled", Value: "false" }]);
    const modified = await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: "lambda.multi_value_headers.enabled", Value: "true" }],
      }),
    );
    expect(modified.Attributes).toEqual([{ Key: "lambda.multi_value_headers.enabled", Value: "true" }]);
    const badKey = await failure(
      elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: "stickiness.enabled", Value: "true" }],
        }),
      ),
    );
    expect(badKey.name).toBe("ValidationError");

    // Used by a listener: shown on the group, health "unavailable", deletion refused.
    const lbArn = await loadBalancer("tg-user");
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: 80,
        DefaultActions: [{ Type: "forward", TargetGroupArn: arn }],
      }),
    );
    const described = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }));
    expect(described.TargetGroups?.[0]).toMatchObject({
      TargetGroupName: "fns",
      TargetType: "lambda",
      LoadBalancerArns: [lbArn],
    });
    const used = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(used.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe("unavailable");
    const inUse = await failure(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })));
    expect(inUse.name).toBe(ResourceInUseException.name);

    await elb.send(new DeleteListenerCommand({ ListenerArn: listener.Listeners?.[0]?.ListenerArn }));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: FN("alb-echo") }] }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    const gone = await failure(elb.send(new DescribeTargetGroupsCommand({ Names: ["fns"] })));
    expect(gone.name).toBe(TargetGroupNotFoundException.name);
  });
});

describe("listeners and rules", () => {
  it("check ports, priorities and the default rule as ELBv2 does", async () => {
    const lbArn = await loadBalancer("rules");
    const tg = await targetGroup("rules-tg");
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: 80,
        DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
      }),
    );
    const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? "";
    expect(listener.Listeners?.[0]).toMatchObject({
      LoadBalancerArn: lbArn,
      Port: 80,
      Protocol: "HTTP",
      DefaultActions: [{ Type: "forward", TargetGroupArn: tg, Order: 1 }],
    });
    const dup = await failure(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: 80,
          DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
        }),
      ),
    );
    expect(dup.name).toBe(DuplicateListenerException.name);
    const https = await failure(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: 443,
          Protocol: "HTTPS",
          DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
        }),
      ),
    );
    expect(https.message).toContain("HTTPS");
    const missingTg = await failure(
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Port: 81,
          DefaultActions: [
            { Type: "forward", TargetGroupArn: tg.replace(/[0-9a-f]{16}$/, "0000000000000000") },
          ],
        }),
      ),
    );
    expect(missingTg.name).toBe(TargetGroupNotFoundException.name);

    const conditions = [{ Field: "path-pattern", Values: ["/a/*"] }];
    const fixed = [{ Type: "fixed-response" as const, FixedResponseConfig: { StatusCode: "204" } }];
    const created = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 7,
        Conditions: conditions,
        Actions: fixed,
      }),
    );
    const rule = created.Rules?.[0];
    expect(rule).toMatchObject({
      Priority: "7",
      IsDefault: false,
      Conditions: [{ Field: "path-pattern", Values: ["/a/*"], PathPatternConfig: { Values: ["/a/*"] } }],
      Actions: [{ Type: "fixed-response", Order: 1, FixedResponseConfig: { StatusCode: "204" } }],
    });
    const clash = await failure(
      elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 7,
          Conditions: conditions,
          Actions: fixed,
        }),
      ),
    );
    expect(clash).toMatchObject({
      name: PriorityInUseException.name,
      message: "Priority '7' is currently in use",
    });
    const badPriority = await failure(
      elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 50001,
          Conditions: conditions,
          Actions: fixed,
        }),
      ),
    );
    expect(badPriority.name).toBe("ValidationError");
    const badStatus = await failure(
      elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 8,
          Conditions: conditions,
          Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "302" } }],
        }),
      ),
    );
    expect(badStatus.name).toBe("ValidationError");
    const oidc = await failure(
      elb.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 9,
          Conditions: conditions,
          Actions: [
            {
              Type: "authenticate-oidc",
              AuthenticateOidcConfig: {
                Issuer: "i",
                AuthorizationEndpoint: "a",
                TokenEndpoint: "t",
                UserInfoEndpoint: "u",
                ClientId: "c",
              },
            },
          ],
        }),
      ),
    );
    expect(oidc.message).toContain("authenticate-oidc");

    const modified = await elb.send(
      new ModifyRuleCommand({
        RuleArn: rule?.RuleArn,
        Conditions: [{ Field: "host-header", Values: ["*.shop.test"] }],
      }),
    );
    expect(modified.Rules?.[0]?.Conditions).toEqual([
      { Field: "host-header", Values: ["*.shop.test"], HostHeaderConfig: { Values: ["*.shop.test"] } },
    ]);
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const defaultRule = rules.Rules?.find((r) => r.IsDefault);
    expect(defaultRule).toMatchObject({ Priority: "default", Conditions: [] });
    const deleteDefault = await failure(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule?.RuleArn })));
    expect(deleteDefault.name).toBe(OperationNotPermittedException.name);
    // The default rule's actions are the listener's default actions.
    await elb.send(new ModifyRuleCommand({ RuleArn: defaultRule?.RuleArn, Actions: fixed }));
    const described = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(described.Listeners?.[0]?.DefaultActions?.[0]?.Type).toBe("fixed-response");

    // ModifyListener: a new port and default actions; a port another listener has is refused.
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: 8080,
        DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
      }),
    );
    const taken = await failure(
      elb.send(new ModifyListenerCommand({ ListenerArn: listenerArn, Port: 8080 })),
    );
    expect(taken.name).toBe(DuplicateListenerException.name);
    const moved = await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        Port: 8081,
        DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
      }),
    );
    expect(moved.Listeners?.[0]).toMatchObject({
      Port: 8081,
      DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
    });
    const ports = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(ports.Listeners?.map((l) => l.Port)).toEqual([8080, 8081]);

    await elb.send(new DeleteRuleCommand({ RuleArn: rule?.RuleArn }));
    const gone = await failure(elb.send(new DescribeRulesCommand({ RuleArns: [rule?.RuleArn ?? ""] })));
    expect(gone.name).toBe(RuleNotFoundException.name);
  });

  it("keep routing after a restart (definitions are in the metadata store)", async () => {
    const lbArn = await loadBalancer("durable");
    const tg = await targetGroup("durable-tg");
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: FN("alb-echo") }] }));
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: 80,
        DefaultActions: [
          { Type: "fixed-response", FixedResponseConfig: { StatusCode: "404", MessageBody: "none" } },
        ],
      }),
    );
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.Listeners?.[0]?.ListenerArn,
        Priority: 1,
        Conditions: [{ Field: "path-pattern", Values: ["/fn/*"] }],
        Actions: [{ Type: "forward", TargetGroupArn: tg }],
      }),
    );
    await nimbus.stop(false);
    nimbus = await startNimbus({ dataDir: nimbus.dataDir });
    elb.destroy();
    elb = new ElasticLoadBalancingV2Client(clientConfig(nimbus.url));
    const routed = await fetch(`${nimbus.url}/_nimbus/elb/durable/fn/x`);
    expect(routed.status).toBe(200);
    expect(
      ((await routed.json()) as { requestContext: { elb: { targetGroupArn: string } } }).requestContext.elb
        .targetGroupArn,
    ).toBe(tg);
    const fallback = await fetch(`${nimbus.url}/_nimbus/elb/durable/other`);
    expect(fallback.status).toBe(404);
    expect(await fallback.text()).toBe("none");
    const rules = await elb.send(
      new DescribeRulesCommand({ ListenerArn: listener.Listeners?.[0]?.ListenerArn }),
    );
    expect(rules.Rules?.map((r) => r.Priority)).toEqual(["1", "default"]);
  });
});
