import type { AccountScope } from "../../core/arn.js";
import { workflowError } from "../errors.js";

/** Names of state machines and executions: 1-80 characters, none of AWS's forbidden ones. */
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

export function assertName(name: string): void {
  if (!NAME.test(name)) throw workflowError.invalidName(`Invalid Name: '${name}'`);
}

export function stateMachineArn(scope: AccountScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: AccountScope, machine: string, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${machine}:${name}`;
}

export function expressExecutionArn(scope: AccountScope, machine: string, name: string, id: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:express:${machine}:${name}:${id}`;
}

const ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution|express):(.+)$/;

export interface ParsedArn {
  region: string;
  accountId: string;
  kind: "stateMachine" | "execution" | "express";
  /** State machine name. */
  machine: string;
  /** Execution name (execution and express ARNs). */
  name?: string;
}

/** Parses a state machine or execution ARN; InvalidArn when it is neither of `expected`. */
export function parseArn(arn: string, expected: ParsedArn["kind"][]): ParsedArn {
  const m = ARN.exec(arn);
  const kind = m?.[3] as ParsedArn["kind"] | undefined;
  const parts = (m?.[4] ?? "").split(":");
  const valid =
    m !== null &&
    kind !== undefined &&
    expected.includes(kind) &&
    parts.every((p) => p !== "") &&
    parts.length === (kind === "stateMachine" ? 1 : kind === "execution" ? 2 : 3);
  if (!valid || !m?.[1] || !m[2] || !kind || !parts[0])
    throw workflowError.invalidArn(`Invalid Arn: '${arn}'`);
  const parsed: ParsedArn = { region: m[1], accountId: m[2], kind, machine: parts[0] };
  if (parts[1] !== undefined) parsed.name = parts[1];
  return parsed;
}

/** Alias names: 1-80 of `[a-zA-Z0-9_.-]` with at least one non-digit (digits alone name a version). */
const ALIAS_NAME = /^(?=.*[a-zA-Z_.-])[a-zA-Z0-9_.-]{1,80}$/;

export function isAliasName(name: string): boolean {
  return ALIAS_NAME.test(name);
}

/** What a state machine ARN addresses: the machine, one of its versions, or one of its aliases. */
export type MachineTarget =
  | { kind: "machine"; machineArn: string; machine: string }
  | { kind: "version"; machineArn: string; machine: string; version: number; arn: string }
  | { kind: "alias"; machineArn: string; machine: string; alias: string; arn: string };

const QUALIFIED = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+)(?::([^:]+))?$/;

/**
 * Parses `...:stateMachine:<name>`, `...:stateMachine:<name>:<version>` (digits) or
 * `...:stateMachine:<name>:<alias>`; InvalidArn otherwise.
 */
export function parseMachineTarget(arn: string): MachineTarget {
  const m = QUALIFIED.exec(arn);
  const machineArn = m?.[1];
  if (!m || !machineArn) throw workflowError.invalidArn(`Invalid Arn: '${arn}'`);
  const machine = parseArn(machineArn, ["stateMachine"]).machine;
  const qualifier = m[2];
  if (qualifier === undefined) return { kind: "machine", machineArn, machine };
  if (/^[1-9]\d{0,8}$/.test(qualifier))
    return { kind: "version", machineArn, machine, version: Number(qualifier), arn };
  if (isAliasName(qualifier)) return { kind: "alias", machineArn, machine, alias: qualifier, arn };
  throw workflowError.invalidArn(`Invalid Arn: '${arn}'`);
}
