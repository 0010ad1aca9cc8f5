import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import type { HistoryEvent } from "./history.js";
import type { Json } from "./json.js";
import { runToCompletion, type TaskOutcome } from "./run-to-completion.js";

/**
 * Recorded executions (test/histories/*.json): definition, input, the task answers in the order
 * they were given, and the history, status and output the engine produced. Replaying them on
 * every run proves the engine still takes the same steps (Temporal's replay tests).
 */
interface Recording {
  name: string;
  description: string;
  definition: unknown;
  input: Json;
  context: ExecutionContextInput;
  tasks: TaskOutcome[];
  expected: { status: string; output?: Json; error?: string; cause?: string; history: HistoryEvent[] };
}

const DIR = resolve(import.meta.dirname, "../../../../../test/histories");
const recordings = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Recording);

describe("recorded executions replay identically", () => {
  it("has recordings to replay", () => {
    expect(recordings.length).toBeGreaterThanOrEqual(3);
  });

  for (const recording of recordings) {
    it(`${recording.name}: ${recording.description}`, async () => {
      let next = 0;
      const result = await runToCompletion(recording.definition, recording.input, recording.context, () => {
        const outcome = recording.tasks[next++];
        if (!outcome)
          throw new Error(
            `the replay asked for task answer #${next}, the recording has ${recording.tasks.length}`,
          );
        return outcome;
      });
      expect(next).toBe(recording.tasks.length);
      expect(result.status).toBe(recording.expected.status);
      expect(result.output).toEqual(recording.expected.output);
      expect(result.error).toEqual(recording.expected.error);
      expect(result.history).toEqual(recording.expected.history);
    });
  }
});
