import type { StateDefinition } from "./definition.js";
import type { Frame, Phase } from "./execution-state.js";
import type { Json } from "./json.js";
import { prepareInput, resultOutcome } from "./state-io.js";
import type { FrameResult, StepRun } from "./step-run.js";

type ParallelPhase = Extract<Phase, { kind: "parallel" }>;

/**
 * Parallel: every branch starts with the same effective input (Parameters / Arguments) in its
 * own frame; the result is the array of branch outputs in branch order. The first failing branch
 * stops the others and fails the state with that branch's error.
 */
export async function runParallel(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  const active = frame.active;
  if (!active) return;
  const { effective } = await prepareInput(run, frame, def, { parameters: true });
  const branches = def.Branches ?? [];
  const startedId = run.emit(frame, "ParallelStateStarted");
  const phase: ParallelPhase = {
    kind: "parallel",
    branches: [],
    results: branches.map(() => null),
    remaining: branches.length,
  };
  active.phase = phase;
  for (const [index] of branches.entries()) {
    const child: Frame = {
      id: run.nextId("branch"),
      parent: { frameId: frame.id, index },
      machinePath: [...run.statePath(frame, active.name), "Branches", index],
      variables: {},
      lastEventId: startedId,
    };
    run.state.frames[child.id] = child;
    phase.branches.push(child.id);
    run.enqueue(child, run.machine(child).StartAt, effective);
  }
  if (branches.length === 0) await complete(run, frame, def, []);
}

/** A branch ended: record its output, or fail the state on the first failure. */
export async function onBranchFinished(
  run: StepRun,
  frame: Frame,
  phase: ParallelPhase,
  index: number,
  result: FrameResult,
): Promise<void> {
  const active = frame.active;
  if (!active || phase.branches[index] === null) return;
  phase.branches[index] = null;
  const def = run.stateDef(frame, active.name);
  if (!result.ok) {
    run.emit(frame, "ParallelStateFailed");
    await run.failState(frame, result.error, result.cause);
    return;
  }
  phase.results[index] = result.output;
  phase.remaining -= 1;
  if (phase.remaining === 0) await complete(run, frame, def, phase.results);
}

async function complete(run: StepRun, frame: Frame, def: StateDefinition, results: Json[]): Promise<void> {
  if (frame.active) frame.active.phase = { kind: "idle" };
  run.emit(frame, "ParallelStateSucceeded");
  await run.guard(frame, async () =>
    run.exitState(frame, await resultOutcome(run, frame, def, results), def.Next),
  );
}
