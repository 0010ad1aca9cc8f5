import { randomUUID } from "node:crypto";
import { StateMachine } from "aws-local-stepfunctions";
import {
  type EngineEnv,
  type Json,
  startExecution,
} from "../../packages/platform/dist/workflow/engine/index.js";
import { fmt } from "../lib/report.js";
import { type BenchMachine, MACHINES } from "./workflow-machines.js";

const ROUNDS = 3;

interface Rate {
  executions: number;
  seconds: number;
  transitionsPerSec: number;
}

/** Runs `once` back to back for `seconds` (after a short warm-up) and reports the rate. */
async function timed(seconds: number, transitions: number, once: () => Promise<void>): Promise<Rate> {
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await once();
  let executions = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    await once();
    executions++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { executions, seconds: elapsed, transitionsPerSec: (executions * transitions) / elapsed };
}

const env: EngineEnv = { now: () => Date.now(), random: Math.random, uuid: randomUUID };

/**
 * Our engine as the runner drives it: parse the stored definition text (validated once, when
 * the machine was created), then one `startExecution`, which runs Pass/Choice/Map states to the
 * end in one step.
 */
async function ours(machine: BenchMachine, text: string): Promise<void> {
  const context = {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:bench:${randomUUID()}`,
    executionName: "bench",
    stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
    stateMachineName: "bench",
    startTime: new Date().toISOString(),
  };
  const definition = JSON.parse(text) as Record<string, unknown>;
  const step = await startExecution(definition, machine.input as Json, context, env, { prepared: true });
  if (step.state.status !== "SUCCEEDED") throw new Error(`${machine.name}: ${step.state.status}`);
}

/** Checks that both interpreters agree on the output and that the transition count is right. */
async function check(machine: BenchMachine, peer: StateMachine): Promise<void> {
  const context = {
    executionArn: "arn:aws:states:us-east-1:000000000000:execution:bench:check",
    executionName: "check",
    stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
    stateMachineName: "bench",
    startTime: new Date().toISOString(),
  };
  const step = await startExecution(machine.definition, machine.input as Json, context, env);
  const entered = step.history.filter((e) => e.type.endsWith("StateEntered")).length;
  if (entered !== machine.transitions)
    throw new Error(`${machine.name}: ${entered} states entered, expected ${machine.transitions}`);
  const peerOutput = await peer.run(machine.input as never).result;
  if (JSON.stringify(peerOutput) !== JSON.stringify(step.state.output))
    throw new Error(`${machine.name}: the peer answered ${JSON.stringify(peerOutput).slice(0, 200)}`);
}

/**
 * (a) The engine in-process beside the `aws-local-stepfunctions` interpreter, same definitions
 * and inputs, state transitions per second.
 */
export async function engineVsPeer(seconds: number): Promise<string> {
  const rows: string[] = [];
  for (const machine of MACHINES) {
    const peer = new StateMachine(machine.definition as never);
    await check(machine, peer);
    const text = JSON.stringify(machine.definition);
    // Alternating rounds, best of each side: the machine is shared, and load comes and goes.
    let peerRate = 0;
    let ourRate = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const p = await timed(seconds / ROUNDS, machine.transitions, async () => {
        await peer.run(machine.input as never).result;
      });
      const o = await timed(seconds / ROUNDS, machine.transitions, () => ours(machine, text));
      peerRate = Math.max(peerRate, p.transitionsPerSec);
      ourRate = Math.max(ourRate, o.transitionsPerSec);
    }
    rows.push(
      `| ${machine.label} | ${machine.transitions} | ${fmt(peerRate)} | ${fmt(ourRate)} | **${fmt(ourRate / peerRate, 2)}** |`,
    );
  }
  return [
    "### (a) Engine in-process vs aws-local-stepfunctions 3.0.0 (the peer)",
    "",
    `Executions back to back, ${ROUNDS} alternating rounds of ${fmt(seconds / ROUNDS, 1)} s per side (each after a 0.5 s`,
    "warm-up), best round of each side; one process, no I/O.",
    "Both interpreters get the same definition and input and must produce the same output.",
    "Ours: what the runner does per execution: parse the stored definition text, `startExecution`",
    "(full history events, context object); the definition is validated once, as at CreateStateMachine.",
    "Peer: `new StateMachine(definition)` once (it validates there), then `.run(input)` per execution.",
    "aws-local-stepfunctions declares `node >=22`; it runs unchanged on this Node 20.",
    "",
    "| machine | transitions / execution | peer transitions/s | engine transitions/s | engine / peer |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    "Target (issue 6): the engine at least 2x the peer.",
  ].join("\n");
}
