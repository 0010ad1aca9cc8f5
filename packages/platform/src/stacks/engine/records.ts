import type { ResolvedProperties, Template } from "../model.js";

/**
 * What the engine stores (MetadataStore kinds below). Wire names are kept where the document is
 * shown to clients as is (outputs, parameters, tags); everything else is camelCase.
 */
export const KINDS = {
  stack: "stack",
  resources: "stack-resources",
  events: "stack-events",
  changeSet: "change-set",
  export: "stack-export",
} as const;

export type ParameterValue = string | string[];

export interface StackOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

export interface Tag {
  Key: string;
  Value: string;
}

/** The inputs of a deploy that the stack keeps after it (template, parameters, options). */
export interface StackInputs {
  /** The template as the client sent it (GetTemplate Original). */
  templateBody: string;
  /** After the SAM transform (GetTemplate Processed); the parsed template otherwise. */
  processed: Template;
  /** True when the template declared a transform (Processed differs from Original). */
  transformed: boolean;
  parameters: Record<string, ParameterValue>;
  /** Parameter values as given or defaulted, as strings (UsePreviousValue reads them). */
  parameterStrings: Record<string, string>;
  displayedParameters: { ParameterKey: string; ParameterValue: string }[];
  conditions: Record<string, boolean>;
  capabilities: string[];
  tags: Tag[];
  notificationArns: string[];
  description?: string;
  /** What Nimbus does not apply / only records (change set StatusReason lines). */
  notes: string[];
  /** Logical ids left out: resources of types Nimbus has no provider for. */
  skipped: string[];
}

/** What an update restores on rollback (kept on the stack while the update runs). */
export interface PreviousStack {
  inputs: StackInputs;
  outputs: StackOutput[];
  imports: string[];
}

export interface StackRecord extends StackInputs {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  createdAt: number;
  updatedAt?: number;
  deletedAt?: number;
  disableRollback: boolean;
  outputs: StackOutput[];
  /** Export names this stack imports (Fn::ImportValue), for ListImports and delete checks. */
  imports: string[];
  changeSetId?: string;
  /** Tokens of operations already accepted (ClientRequestToken idempotency). */
  tokens: string[];
  /** The running operation's token, shown on its events. */
  currentToken?: string;
  /** During an update (and after a failed rollback): the stack as it was, for ContinueUpdateRollback. */
  rollbackTo?: PreviousStack;
}

export interface ResourceState {
  logicalId: string;
  type: string;
  physicalId?: string;
  /** What Ref returns when it is not the physical id. */
  ref?: string;
  attributes: Record<string, unknown>;
  /** Resolved properties as last applied (all of them, also those reported as not applied). */
  properties: ResolvedProperties;
  status: string;
  statusReason?: string;
  updatedAt: number;
  dependsOn: string[];
  deletionPolicy?: string;
  updateReplacePolicy?: string;
  recordedOnly?: boolean;
  description?: string;
  metadata?: unknown;
  /** The resource this one replaced, until the cleanup phase deletes it. */
  previousCopy?: ResourceState;
}

export interface StackResources {
  resources: Record<string, ResourceState>;
}

export interface StackEvent {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Timestamp: number;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ResourceProperties?: string;
  ClientRequestToken?: string;
}

export interface ResourceChangeDetail {
  Target: { Attribute: string; Name?: string; RequiresRecreation: string };
  Evaluation: "Static" | "Dynamic";
  ChangeSource: string;
  CausingEntity?: string;
}

export interface PlannedChange {
  action: "Add" | "Modify" | "Remove";
  logicalId: string;
  type: string;
  physicalId?: string;
  replacement?: "True" | "False" | "Conditional";
  scope: string[];
  details: ResourceChangeDetail[];
}

export interface ChangeSetRecord {
  changeSetId: string;
  changeSetName: string;
  stackId: string;
  stackName: string;
  type: "CREATE" | "UPDATE";
  status: "CREATE_PENDING" | "CREATE_IN_PROGRESS" | "CREATE_COMPLETE" | "DELETE_COMPLETE" | "FAILED";
  statusReason?: string;
  executionStatus:
    | "UNAVAILABLE"
    | "AVAILABLE"
    | "EXECUTE_IN_PROGRESS"
    | "EXECUTE_COMPLETE"
    | "EXECUTE_FAILED"
    | "OBSOLETE";
  createdAt: number;
  description?: string;
  inputs?: StackInputs;
  changes: PlannedChange[];
  disableRollback?: boolean;
  /** OnStackFailure of a CREATE change set. */
  onFailure?: "ROLLBACK" | "DELETE" | "DO_NOTHING";
  /** The stack's updatedAt when planned: a stack changed since makes the change set obsolete. */
  basedOn?: number;
}

export interface ExportRecord {
  name: string;
  value: string;
  stackId: string;
}

/** Terminal and in-progress statuses (CloudFormation's StackStatus). */
export const IN_PROGRESS = (status: string) =>
  status.endsWith("_IN_PROGRESS") && status !== "REVIEW_IN_PROGRESS";
