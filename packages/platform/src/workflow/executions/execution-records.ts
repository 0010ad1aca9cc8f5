import type { ListPage, MetadataStore, StoredDocument } from "../../storage/metadata-store.js";
import type { ExecutionState, ExecutionStatus, HistoryEvent, RunTaskCommand } from "../engine/index.js";
import type { ExecutionLogging } from "./execution-logs.js";

/**
 * What the durable runner keeps in the MetadataStore. One execution is one `sfn-execution`
 * document (the engine state travels inside it) plus rows written in the same transaction:
 * `sfn-history` (`<executionArn>/<zero-padded id of the step's first event>`: the step's
 * events, in order), `sfn-timer` and `sfn-task`
 * (`<executionArn>/<id>`) for what is pending, and `sfn-token` (by task token) for callbacks.
 */
export const KINDS = {
  execution: "sfn-execution",
  history: "sfn-history",
  timer: "sfn-timer",
  task: "sfn-task",
  token: "sfn-token",
  definition: "sfn-definition",
} as const;

export type ExecutionType = "STANDARD" | "EXPRESS";

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  type: ExecutionType;
  status: ExecutionStatus;
  /** Epoch ms. */
  startedAt: number;
  stoppedAt?: number;
  /** JSON text as given to StartExecution. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The machine's log destination when its loggingConfiguration is not OFF. */
  logging?: ExecutionLogging;
  /** `<parent execution ARN>/<task id>` of the `states:startExecution` task that started it. */
  parentTask?: string;
  /** Set when started through a version or an alias ARN. */
  versionArn?: string;
  aliasArn?: string;
  /**
   * The definition this execution runs (UpdateStateMachine does not affect it): the SHA-256 of
   * its text, stored once as an `sfn-definition` document. Records written before that carry
   * the text itself in `definition`.
   */
  definitionId?: string;
  definition?: string;
  state: ExecutionState;
}

export interface TimerRow {
  executionArn: string;
  timerId: string;
  /** Epoch ms. */
  fireAt: number;
}

export interface TaskRow {
  executionArn: string;
  command: RunTaskCommand;
  /** A callback task whose initial invoke already returned: resume must not invoke it again. */
  submitted: boolean;
}

export interface TokenRow {
  executionArn: string;
  taskId: string;
}

/** Zero-padded so that keys sort in event order. */
export function historyKey(executionArn: string, eventId: number): string {
  return `${executionArn}/${String(eventId).padStart(8, "0")}`;
}

export function childKey(executionArn: string, id: string): string {
  return `${executionArn}/${id}`;
}

/** Every document of `kind` whose key starts with `prefix`, page by page. */
export async function listAll<T>(
  store: MetadataStore,
  kind: string,
  prefix?: string,
): Promise<StoredDocument<T>[]> {
  const out: StoredDocument<T>[] = [];
  let after: string | undefined;
  for (;;) {
    const page: ListPage<T> = await store.list<T>(kind, {
      ...(prefix !== undefined && { prefix }),
      ...(after !== undefined && { after }),
      limit: 1000,
    });
    out.push(...page.items);
    if (page.nextAfter === undefined) return out;
    after = page.nextAfter;
  }
}

/** The execution's history in event order. */
export async function readHistory(store: MetadataStore, executionArn: string): Promise<HistoryEvent[]> {
  const docs = await listAll<HistoryEvent[] | HistoryEvent>(store, KINDS.history, `${executionArn}/`);
  // Each row holds the events of one step (older data: one event per row).
  return docs.flatMap((d) => d.value);
}
