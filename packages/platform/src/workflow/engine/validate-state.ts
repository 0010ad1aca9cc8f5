import { STATE_TYPES, type StateType } from "./definition.js";
import { at, DIAGNOSTIC_CODES, type DiagnosticList } from "./diagnostics.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import {
  checkChoice,
  checkFail,
  checkMap,
  checkParallel,
  checkTask,
  checkWait,
} from "./validate-state-types.js";
import { checkAssign, checkJsonataTemplate, checkPath, checkPayloadTemplate } from "./validate-values.js";

/** What the state validator needs to know about its surroundings. */
export interface StateCheckContext {
  /** State names of the sub-machine the state belongs to (transitions stay inside it). */
  names: ReadonlySet<string>;
  jsonata: boolean;
  express: boolean;
  /** Validates a nested `{StartAt, States}` (Parallel branch, Map processor). */
  subMachine(value: Json | undefined, location: string): void;
}

const COMMON = ["Type", "Comment", "QueryLanguage"];
const FLOW = ["Next", "End"];
const PATH_IO = ["InputPath", "OutputPath"];
const JSONPATH_FIELDS: Record<StateType, string[]> = {
  Pass: [...FLOW, ...PATH_IO, "Parameters", "ResultPath", "Result", "Assign"],
  Task: [
    ...FLOW,
    ...PATH_IO,
    "Resource",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "TimeoutSeconds",
    "TimeoutSecondsPath",
    "HeartbeatSeconds",
    "HeartbeatSecondsPath",
    "Retry",
    "Catch",
    "Credentials",
    "Assign",
  ],
  Choice: [...PATH_IO, "Choices", "Default", "Assign"],
  Wait: [...FLOW, ...PATH_IO, "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"],
  Succeed: [...PATH_IO],
  Fail: ["Error", "ErrorPath", "Cause", "CausePath"],
  Parallel: [
    ...FLOW,
    ...PATH_IO,
    "Branches",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Assign",
  ],
  Map: [
    ...FLOW,
    ...PATH_IO,
    "ItemProcessor",
    "Iterator",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Assign",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
  ],
};
const JSONATA_FIELDS: Record<StateType, string[]> = {
  Pass: [...FLOW, "Output", "Result", "Assign"],
  Task: [
    ...FLOW,
    "Resource",
    "Arguments",
    "Output",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Retry",
    "Catch",
    "Credentials",
    "Assign",
  ],
  Choice: ["Choices", "Default", "Output", "Assign"],
  Wait: [...FLOW, "Seconds", "Timestamp", "Output", "Assign"],
  Succeed: ["Output"],
  Fail: ["Error", "Cause"],
  Parallel: [...FLOW, "Branches", "Arguments", "Output", "Retry", "Catch", "Assign"],
  Map: [
    ...FLOW,
    "ItemProcessor",
    "Iterator",
    "Items",
    "ItemSelector",
    "MaxConcurrency",
    "Output",
    "Retry",
    "Catch",
    "Assign",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
  ],
};

/** Validates one state; `location` is its JSON pointer, e.g. `/States/MyState`. */
export function checkState(
  d: DiagnosticList,
  state: Json | undefined,
  location: string,
  ctx: StateCheckContext,
): void {
  if (!isJsonObject(state)) {
    d.schema("A state must be a JSON object", location);
    return;
  }
  const type = state.Type;
  if (typeof type !== "string" || !STATE_TYPES.includes(type as StateType)) {
    d.schema(
      type === undefined
        ? "These fields are required: [Type]"
        : `The state type '${String(type)}' is not valid`,
      type === undefined ? location : at(location, "Type"),
    );
    return;
  }
  const stateType = type as StateType;
  const allowed = new Set([...COMMON, ...(ctx.jsonata ? JSONATA_FIELDS : JSONPATH_FIELDS)[stateType]]);
  for (const key of Object.keys(state)) {
    if (!allowed.has(key)) {
      const other = (ctx.jsonata ? JSONPATH_FIELDS : JSONATA_FIELDS)[stateType].includes(key);
      d.schema(
        other
          ? `The field "${key}" is not supported in ${ctx.jsonata ? "JSONata" : "JSONPath"} states`
          : `The field "${key}" is not supported by Step Functions`,
        at(location, key),
      );
    }
  }
  checkFlow(d, state, stateType, location, ctx);
  checkIo(d, state, location, ctx);
  if (stateType === "Task") checkTask(d, state, location, ctx);
  if (stateType === "Choice") checkChoice(d, state, location, ctx);
  if (stateType === "Wait") checkWait(d, state, location);
  if (stateType === "Fail") checkFail(d, state, location, ctx);
  if (stateType === "Parallel") checkParallel(d, state, location, ctx);
  if (stateType === "Map") checkMap(d, state, location, ctx);
  if (
    stateType === "Pass" &&
    !ctx.jsonata &&
    isJsonObject(state.Result) &&
    JSON.stringify(state.Result).includes('.$"')
  ) {
    d.warn(
      DIAGNOSTIC_CODES.passResultIsStatic,
      "Result is static: paths in the Result of a Pass state are not evaluated; use Parameters",
      at(location, "Result"),
    );
  }
}

function checkFlow(
  d: DiagnosticList,
  state: JsonObject,
  type: StateType,
  location: string,
  ctx: StateCheckContext,
): void {
  if (type === "Choice" || type === "Succeed" || type === "Fail") return;
  const hasNext = state.Next !== undefined;
  const hasEnd = state.End !== undefined;
  if (hasNext && hasEnd) d.schema("Only one of 'Next' or 'End' can be present", location);
  else if (!hasNext && state.End !== true)
    d.schema(hasEnd ? "End must be true" : "These fields are required: [Next | End]", location);
  if (hasNext) {
    if (typeof state.Next !== "string") d.schema("Next must be a string", at(location, "Next"));
    else if (!ctx.names.has(state.Next))
      d.error(
        DIAGNOSTIC_CODES.missingTransitionTarget,
        `Missing 'Next' target: ${state.Next}`,
        at(location, "Next"),
      );
  }
}

function checkIo(d: DiagnosticList, state: JsonObject, location: string, ctx: StateCheckContext): void {
  checkAssign(d, state.Assign, at(location, "Assign"), ctx.jsonata);
  if (ctx.jsonata) {
    for (const field of [
      "Arguments",
      "Output",
      "Items",
      "ItemSelector",
      "Credentials",
      "Result",
      "TimeoutSeconds",
      "HeartbeatSeconds",
      "MaxConcurrency",
      "ToleratedFailureCount",
      "ToleratedFailurePercentage",
      "Seconds",
      "Timestamp",
      "Error",
      "Cause",
    ]) {
      if (field !== "Result") checkJsonataTemplate(d, state[field], at(location, field));
    }
    return;
  }
  for (const field of ["InputPath", "OutputPath"]) {
    if (state[field] !== undefined && state[field] !== null)
      checkPath(d, state[field], at(location, field), false);
  }
  if (state.ResultPath !== undefined && state.ResultPath !== null)
    checkPath(d, state.ResultPath, at(location, "ResultPath"), true);
  for (const field of ["Parameters", "ResultSelector", "ItemSelector", "Credentials"]) {
    if (state[field] !== undefined) checkPayloadTemplate(d, state[field], at(location, field));
  }
  for (const field of [
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ItemsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
  ]) {
    if (state[field] !== undefined) checkPath(d, state[field], at(location, field), true);
  }
}
