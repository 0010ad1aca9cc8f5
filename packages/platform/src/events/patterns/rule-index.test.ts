import { describe, expect, it } from "vitest";
import { compilePattern } from "./event-pattern.js";
import { RuleIndex } from "./rule-index.js";

describe("RuleIndex", () => {
  const patterns = [
    { source: ["a"] },
    { source: ["a", "b"], detail: { n: [{ numeric: [">", 1] }] } },
    { source: [{ prefix: "a" }] },
    { detail: { n: [1] } },
    { $or: [{ source: ["c"] }, { detail: { n: [2] } }] },
    { source: ["b"], $or: [{ detail: { n: [2] } }, { detail: { n: [3] } }] },
  ].map((p) => JSON.stringify(p));
  const events = [
    { source: "a", detail: { n: 1 } },
    { source: "a", detail: { n: 2 } },
    { source: "b", detail: { n: 3 } },
    { source: "c", detail: { n: 0 } },
    { source: "ab", detail: { n: 2 } },
    { detail: { n: 1 } },
    { source: 5, detail: {} },
  ];

  it.each(events.map((e, i) => [i, e]))(
    "gives the same rules as testing every pattern (event %i)",
    (_i, event) => {
      const index = new RuleIndex<number>();
      for (const [i, p] of patterns.entries()) index.add(p, i);
      const expected = patterns.flatMap((p, i) => (compilePattern(p)(event) ? [i] : []));
      expect(index.match(event).sort()).toEqual(expected);
    },
  );
});
