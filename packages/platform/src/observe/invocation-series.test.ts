import { describe, expect, it } from "vitest";
import { InvocationSeries } from "./invocation-series.js";

describe("InvocationSeries", () => {
  it("writes counters per function and outcome, and a cumulative duration histogram", () => {
    const series = new InvocationSeries();
    series.record("a", "success", 0.0004);
    series.record("a", "success", 0.003);
    series.record("a", "error", 2);
    series.record("b", "timeout", 1000);
    const text = series.render();
    expect(text).toContain("# TYPE nimbus_invocations_total counter\n");
    expect(text).toContain('nimbus_invocations_total{function="a",outcome="success"} 2\n');
    expect(text).toContain('nimbus_invocations_total{function="a",outcome="error"} 1\n');
    expect(text).toContain('nimbus_invocations_total{function="b",outcome="timeout"} 1\n');
    expect(text).toContain("# TYPE nimbus_invocation_duration_seconds histogram\n");
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="0.001",function="a"} 1\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="0.005",function="a"} 2\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="1",function="a"} 2\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="5",function="a"} 3\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="+Inf",function="a"} 3\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_count{function="a"} 3\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_sum{function="a"} 2.0034\n');
    // Past the last bound: only +Inf counts it.
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="900",function="b"} 0\n');
    expect(text).toContain('nimbus_invocation_duration_seconds_bucket{le="+Inf",function="b"} 1\n');
  });

  it("escapes label values", () => {
    const series = new InvocationSeries();
    series.record('x"y\\z', "success", 0);
    expect(series.render()).toContain('function="x\\"y\\\\z"');
  });
});
