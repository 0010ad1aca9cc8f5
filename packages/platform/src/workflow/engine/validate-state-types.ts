import { at, DIAGNOSTIC_CODES, type DiagnosticList } from "./diagnostics.js";
import { isJsonObject, type JsonObject } from "./json.js";
import { isJsonataExpression } from "./jsonata-mode.js";
import { parseResource } from "./resource.js";
import { isTimestamp } from "./timestamp.js";
import type { StateCheckContext } from "./validate-state.js";
import {
  checkAssign,
  checkCatch,
  checkChoiceRule,
  checkJsonataTemplate,
  checkPath,
  checkPayloadTemplate,
  checkRetry,
  expectType,
} from "./validate-values.js";

/** The checks specific to each state type; `location` is the state's JSON pointer. */

/** A literal positive integer, or (JSONata) an expression; also rejects the literal/Path pair together. */
function checkInteger(
  d: DiagnosticList,
  state: JsonObject,
  field: string,
  location: string,
  min: number,
  max?: number,
): void {
  const value = state[field];
  if (value !== undefined && state[`${field}Path`] !== undefined)
    d.schema(`Only one of ${field} or ${field}Path can be present`, location);
  if (value === undefined || isJsonataExpression(value)) return;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  ) {
    d.schema(
      `${field} must be an integer >= ${min}${max === undefined ? "" : ` and <= ${max}`}`,
      at(location, field),
    );
  }
}

/** Task: Resource, timeouts, Retry, Catch (and Express restrictions). */
export function checkTask(
  d: DiagnosticList,
  state: JsonObject,
  location: string,
  ctx: StateCheckContext,
): void {
  if (state.Resource === undefined) d.schema("These fields are required: [Resource]", location);
  else if (typeof state.Resource !== "string" || !parseResource(state.Resource)) {
    d.error(
      DIAGNOSTIC_CODES.invalidResource,
      `Invalid resource: ${JSON.stringify(state.Resource)}`,
      at(location, "Resource"),
    );
  } else {
    const resource = parseResource(state.Resource);
    if (ctx.express && resource?.kind === "activity")
      d.schema("Express state machine does not support activities", at(location, "Resource"));
    if (ctx.express && resource?.kind === "service" && resource.pattern !== "requestResponse") {
      const suffix = resource.pattern === "waitForTaskToken" ? ".waitForTaskToken" : ".sync";
      d.schema(
        `Express state machine does not support '${suffix}' service integration `,
        at(location, "Resource"),
      );
    }
  }
  checkInteger(d, state, "TimeoutSeconds", location, 1, 99999999);
  checkInteger(d, state, "HeartbeatSeconds", location, 1, 99999999);
  const timeout = state.TimeoutSeconds;
  const heartbeat = state.HeartbeatSeconds;
  if (typeof timeout === "number" && typeof heartbeat === "number" && heartbeat >= timeout) {
    d.schema("HeartbeatSeconds must be smaller than TimeoutSeconds", at(location, "HeartbeatSeconds"));
  }
  checkRetry(d, state.Retry, at(location, "Retry"));
  checkCatch(d, state.Catch, at(location, "Catch"), ctx.names, ctx.jsonata);
}

/** Choice: the rules (JSONPath operators or JSONata Conditions) and Default. */
export function checkChoice(
  d: DiagnosticList,
  state: JsonObject,
  location: string,
  ctx: StateCheckContext,
): void {
  const choices = state.Choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    d.schema(
      choices === undefined ? "These fields are required: [Choices]" : "Choices must be a non-empty array",
      location,
    );
  } else {
    for (const [i, rule] of choices.entries()) {
      const loc = at(at(location, "Choices"), i);
      if (!ctx.jsonata) {
        checkChoiceRule(d, rule, loc, true, ctx.names);
        continue;
      }
      if (!isJsonObject(rule)) {
        d.schema("A choice rule must be an object", loc);
        continue;
      }
      for (const key of Object.keys(rule)) {
        if (!["Condition", "Next", "Comment", "Output", "Assign"].includes(key))
          d.schema(`The field "${key}" is not supported in JSONata states`, at(loc, key));
      }
      if (rule.Condition === undefined) d.schema("These fields are required: [Condition]", loc);
      checkJsonataTemplate(d, rule.Condition, at(loc, "Condition"));
      checkJsonataTemplate(d, rule.Output, at(loc, "Output"));
      checkAssign(d, rule.Assign, at(loc, "Assign"), true);
      if (typeof rule.Next !== "string") d.schema("These fields are required: [Next]", loc);
      else if (!ctx.names.has(rule.Next))
        d.error(
          DIAGNOSTIC_CODES.missingTransitionTarget,
          `Missing 'Next' target: ${rule.Next}`,
          at(loc, "Next"),
        );
    }
  }
  if (state.Default !== undefined) {
    if (typeof state.Default !== "string" || !ctx.names.has(state.Default)) {
      d.error(
        DIAGNOSTIC_CODES.missingTransitionTarget,
        `Missing 'Default' target: ${String(state.Default)}`,
        at(location, "Default"),
      );
    }
  }
}

/** Wait: exactly one of Seconds, Timestamp, SecondsPath, TimestampPath. */
export function checkWait(d: DiagnosticList, state: JsonObject, location: string): void {
  const present = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"].filter(
    (f) => state[f] !== undefined,
  );
  if (present.length !== 1)
    d.schema("Exactly one of Seconds, Timestamp, SecondsPath or TimestampPath is required", location);
  if (state.Seconds !== undefined && !isJsonataExpression(state.Seconds)) {
    const s = state.Seconds;
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 99999999)
      d.schema("Seconds must be an integer between 0 and 99999999", at(location, "Seconds"));
  }
  if (
    state.Timestamp !== undefined &&
    !isJsonataExpression(state.Timestamp) &&
    !isTimestamp(state.Timestamp)
  ) {
    d.schema(
      "Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
      at(location, "Timestamp"),
    );
  }
}

/** Fail: Error/ErrorPath and Cause/CausePath pairs. */
export function checkFail(
  d: DiagnosticList,
  state: JsonObject,
  location: string,
  ctx: StateCheckContext,
): void {
  for (const field of ["Error", "Cause"]) {
    if (state[field] !== undefined && state[`${field}Path`] !== undefined)
      d.schema(`Only one of ${field} or ${field}Path can be present`, location);
    if (state[field] !== undefined) expectType(d, state[field], "string", at(location, field));
    const path = state[`${field}Path`];
    if (path !== undefined && !ctx.jsonata) {
      if (typeof path === "string" && path.startsWith("States."))
        checkPayloadTemplate(d, { "v.$": path }, at(location, `${field}Path`));
      else checkPath(d, path, at(location, `${field}Path`), false);
    }
  }
}

/** Parallel: non-empty Branches, each a sub-machine; Retry and Catch. */
export function checkParallel(
  d: DiagnosticList,
  state: JsonObject,
  location: string,
  ctx: StateCheckContext,
): void {
  const branches = state.Branches;
  if (!Array.isArray(branches) || branches.length === 0) {
    d.schema(
      branches === undefined ? "These fields are required: [Branches]" : "Branches must be a non-empty array",
      location,
    );
  } else
    for (const [i, branch] of branches.entries()) ctx.subMachine(branch, at(at(location, "Branches"), i));
  checkRetry(d, state.Retry, at(location, "Retry"));
  checkCatch(d, state.Catch, at(location, "Catch"), ctx.names, ctx.jsonata);
}

/** Map: the item processor, concurrency, tolerance, and unsupported Distributed features. */
export function checkMap(
  d: DiagnosticList,
  state: JsonObject,
  location: string,
  ctx: StateCheckContext,
): void {
  const processorField = state.ItemProcessor !== undefined ? "ItemProcessor" : "Iterator";
  if (state.ItemProcessor !== undefined && state.Iterator !== undefined)
    d.schema("Only one of ItemProcessor or Iterator can be present", location);
  const processor = state[processorField];
  if (processor === undefined) d.schema("These fields are required: [ItemProcessor]", location);
  else {
    const config = isJsonObject(processor) ? processor.ProcessorConfig : undefined;
    if (config !== undefined) {
      const mode = isJsonObject(config) ? config.Mode : undefined;
      if (mode !== undefined && mode !== "INLINE" && mode !== "DISTRIBUTED")
        d.schema(
          "ProcessorConfig.Mode must be INLINE or DISTRIBUTED",
          at(at(at(location, processorField), "ProcessorConfig"), "Mode"),
        );
    }
    ctx.subMachine(processor, at(location, processorField));
  }
  if (state.ItemSelector !== undefined && state.Parameters !== undefined)
    d.schema("Only one of ItemSelector or Parameters can be present", location);
  for (const field of ["ItemReader", "ItemBatcher", "ResultWriter"]) {
    if (state[field] !== undefined)
      d.error(
        DIAGNOSTIC_CODES.unsupported,
        `${field} (Distributed Map with S3) is not supported by Nimbus`,
        at(location, field),
      );
  }
  checkInteger(d, state, "MaxConcurrency", location, 0);
  checkInteger(d, state, "ToleratedFailureCount", location, 0);
  const percent = state.ToleratedFailurePercentage;
  if (percent !== undefined && state.ToleratedFailurePercentagePath !== undefined) {
    d.schema(
      "Only one of ToleratedFailurePercentage or ToleratedFailurePercentagePath can be present",
      location,
    );
  }
  if (
    percent !== undefined &&
    !isJsonataExpression(percent) &&
    (typeof percent !== "number" || percent < 0 || percent > 100)
  ) {
    d.schema(
      "ToleratedFailurePercentage must be a number between 0 and 100",
      at(location, "ToleratedFailurePercentage"),
    );
  }
  checkRetry(d, state.Retry, at(location, "Retry"));
  checkCatch(d, state.Catch, at(location, "Catch"), ctx.names, ctx.jsonata);
}
