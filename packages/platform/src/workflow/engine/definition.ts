import type { Json } from "./json.js";

/**
 * Amazon States Language document types. The engine stores definitions as plain JSON; these
 * interfaces describe the members it reads after `validateDefinition` accepted the document.
 */
export type QueryLanguage = "JSONPath" | "JSONata";
export type StateType = "Pass" | "Task" | "Choice" | "Wait" | "Succeed" | "Fail" | "Parallel" | "Map";
/** The eight state types of the States Language. */
export const STATE_TYPES: readonly StateType[] = [
  "Pass",
  "Task",
  "Choice",
  "Wait",
  "Succeed",
  "Fail",
  "Parallel",
  "Map",
];

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: QueryLanguage;
  TimeoutSeconds?: number;
  Comment?: string;
  Version?: string;
}

/** A `{StartAt, States}` sub-machine: the root, a Parallel branch or a Map item processor. */
export interface SubMachine {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: QueryLanguage;
}

export interface StateDefinition {
  [field: string]: Json | undefined;
  Type: StateType;
  Comment?: string;
  QueryLanguage?: QueryLanguage;
  Next?: string;
  End?: boolean;
  // JSONPath I/O
  InputPath?: string | null;
  OutputPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  // JSONata I/O
  Arguments?: Json;
  Output?: Json;
  Assign?: Json;
  // Pass
  Result?: Json;
  // Task
  Resource?: string;
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
  HeartbeatSecondsPath?: string;
  Credentials?: Json;
  Retry?: Json[];
  Catch?: Json[];
  // Choice
  Choices?: Json[];
  Default?: string;
  // Wait
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  // Fail
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  // Parallel
  Branches?: Json[];
  // Map
  ItemProcessor?: Json;
  Iterator?: Json;
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: Json;
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
}

/** A Catch entry. */
export interface CatcherDefinition {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: Json;
  Assign?: Json;
}
