/**
 * The two state machines every workflow benchmark runs, for the engine, the peer and the server
 * alike: a 20-state Pass/Choice chain and a Map over 1,000 items whose iterations are two Pass
 * states. "Transitions" counts states entered (one per state per visit), as AWS bills them.
 */

export interface BenchMachine {
  name: string;
  label: string;
  definition: Record<string, unknown>;
  input: unknown;
  /** States entered by one execution. */
  transitions: number;
}

/** 10 Pass states (each adds 1 to `n` with an intrinsic), 9 Choice states, 1 Succeed. */
function chain(): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  for (let i = 0; i < 10; i++) {
    const next = i < 9 ? `Check${i}` : "Done";
    states[`Step${i}`] = {
      Type: "Pass",
      Parameters: { "n.$": "States.MathAdd($.n, 1)", step: i },
      Next: next,
    };
    if (i < 9)
      states[`Check${i}`] = {
        Type: "Choice",
        Choices: [{ Variable: "$.n", NumericGreaterThan: 1000, Next: "Done" }],
        Default: `Step${i + 1}`,
      };
  }
  states.Done = { Type: "Succeed" };
  return { StartAt: "Step0", States: states };
}

const MAP_ITEMS = 1000;

function map(): Record<string, unknown> {
  return {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "Shape",
          States: {
            Shape: { Type: "Pass", Parameters: { "value.$": "$.i", kind: "item" }, Next: "Tag" },
            Tag: { Type: "Pass", Result: true, ResultPath: "$.tagged", End: true },
          },
        },
        ResultPath: null,
        End: true,
      },
    },
  };
}

export const MACHINES: BenchMachine[] = [
  {
    name: "chain20",
    label: "20-state Pass/Choice chain",
    definition: chain(),
    input: { n: 0 },
    transitions: 20,
  },
  {
    name: "map1000",
    label: "Map over 1,000 items (2 Pass states each)",
    definition: map(),
    input: { items: Array.from({ length: MAP_ITEMS }, (_, i) => ({ i })) },
    transitions: 1 + MAP_ITEMS * 2,
  },
];
