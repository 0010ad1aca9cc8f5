import type { AccountScope } from "../../core/arn.js";

/** Document kinds in the MetadataStore. */
export const BUS_KIND = "events-bus";
/** Rules are keyed `<bus>/<rule>`; a rule's targets live inside its document (one atomic write). */
export const RULE_KIND = "events-rule";

export const DEFAULT_BUS = "default";

export interface BusDoc {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  lastModifiedAt: number;
}

export type RuleState = "ENABLED" | "DISABLED";

export interface RuleDoc {
  name: string;
  busName: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  /** Epoch ms when the schedule expression took effect (rate() counts from here). */
  scheduleSince?: number;
  /** A random number in [0, 1) drawn at creation; spreads nothing for rules, kept for symmetry. */
  createdAt: number;
  targets: TargetDef[];
}

export interface RetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface InputTransformer {
  inputPathsMap: Record<string, string>;
  inputTemplate: string;
}

/** A rule target, in our own names (the API maps the wire shape). */
export interface TargetDef {
  id: string;
  arn: string;
  roleArn?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
  retryPolicy: RetryPolicy;
  deadLetterArn?: string;
  /** FIFO queue targets. */
  messageGroupId?: string;
}

/** AWS's defaults: 185 attempts over 24 hours. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
};

export function busArn(scope: AccountScope, name: string): string {
  return `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${name}`;
}

/** Rules of the default bus have no bus segment in their ARN, as on AWS. */
export function ruleArn(scope: AccountScope, bus: string, name: string): string {
  const path = bus === DEFAULT_BUS ? name : `${bus}/${name}`;
  return `arn:aws:events:${scope.region}:${scope.accountId}:rule/${path}`;
}

export function ruleKey(bus: string, name: string): string {
  return `${bus}/${name}`;
}

/** The bus name from a name or an event-bus ARN; undefined when the ARN is not an event bus's. */
export function busNameOf(nameOrArn: string): string | undefined {
  if (!nameOrArn.startsWith("arn:")) return nameOrArn;
  const m = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/([.\-_A-Za-z0-9]+)$/.exec(nameOrArn);
  return m?.[1];
}

/** The EventBridge event as rules see it and targets get it (events.md section 8). */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}
