import { runChoice, runFail, runPass, runSucceed, runWait } from "./basic-states.js";
import type { StateDefinition } from "./definition.js";
import type { Frame } from "./execution-state.js";
import { onIterationFinished, runMap } from "./map-state.js";
import { onBranchFinished, runParallel } from "./parallel-state.js";
import type { FrameResult, StepRun } from "./step-run.js";
import { runTask } from "./task-state.js";

/** Starts (or, after a retry delay, restarts) the work of the frame's active state. */
export async function runState(run: StepRun, frame: Frame, def: StateDefinition): Promise<void> {
  switch (def.Type) {
    case "Pass":
      return runPass(run, frame, def);
    case "Task":
      return runTask(run, frame, def);
    case "Choice":
      return runChoice(run, frame, def);
    case "Wait":
      return runWait(run, frame, def);
    case "Succeed":
      return runSucceed(run, frame, def);
    case "Fail":
      return runFail(run, frame, def);
    case "Parallel":
      return runParallel(run, frame, def);
    case "Map":
      return runMap(run, frame, def);
  }
}

/** A Parallel branch or Map iteration finished; `child` has already been removed. */
export async function onChildFinished(
  run: StepRun,
  parent: Frame,
  child: Frame,
  result: FrameResult,
): Promise<void> {
  const phase = parent.active?.phase;
  const index = child.parent?.index ?? 0;
  parent.lastEventId = Math.max(parent.lastEventId, child.lastEventId);
  if (phase?.kind === "parallel") await onBranchFinished(run, parent, phase, index, result);
  else if (phase?.kind === "map") await onIterationFinished(run, parent, phase, index, child, result);
}

/**
 * Stops everything the frame's active state started: running branches or iterations (Map
 * iterations get a MapIterationAborted event), its task and its timers.
 */
export function abortChildren(run: StepRun, frame: Frame): void {
  const active = frame.active;
  if (!active) return;
  const phase = active.phase;
  if (phase.kind === "parallel") {
    for (const [i, id] of phase.branches.entries()) {
      if (id === null) continue;
      phase.branches[i] = null;
      run.dropFrame(id);
    }
  } else if (phase.kind === "map") {
    for (const [index, id] of Object.entries(phase.running)) {
      run.dropFrame(id);
      run.emit(frame, "MapIterationAborted", { name: active.name, index: Number(index) });
    }
    phase.running = {};
  } else if (phase.kind === "task") {
    const task = run.state.tasks[phase.taskId];
    if (task) {
      run.cancelTimer(task.timeoutTimerId);
      run.cancelTimer(task.heartbeatTimerId);
      delete run.state.tasks[phase.taskId];
      run.command({ kind: "cancelTask", id: phase.taskId });
    }
  } else if (phase.kind === "wait" || phase.kind === "retryDelay") {
    run.cancelTimer(phase.timerId);
  }
  active.phase = { kind: "idle" };
}
