import { at, DIAGNOSTIC_CODES, type Diagnostic, DiagnosticList } from "./diagnostics.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import { checkState } from "./validate-state.js";
import { assignedNames } from "./validate-values.js";

/**
 * ValidateStateMachineDefinition: every problem in a definition, each naming the field it is in
 * (`/States/MyState/Next`). A definition is accepted when no diagnostic has severity ERROR.
 * `definition` may be the JSON text or the parsed document.
 */
export interface ValidateOptions {
  /** EXPRESS machines may not use `.sync`, `.waitForTaskToken` or activities. */
  type?: "STANDARD" | "EXPRESS";
}

const ROOT_FIELDS = ["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"];
const SUB_FIELDS = ["Comment", "StartAt", "States", "ProcessorConfig"];
const MAX_STATE_NAME = 80;
/** AWS API limit on the definition text. */
export const MAX_DEFINITION_CHARS = 1_048_576;

interface Walk {
  d: DiagnosticList;
  jsonataTop: boolean;
  express: boolean;
  /** Every state name in the whole machine, for uniqueness. */
  seen: Set<string>;
}

export function validateDefinition(definition: unknown, options: ValidateOptions = {}): Diagnostic[] {
  const d = new DiagnosticList();
  let doc: unknown = definition;
  if (typeof definition === "string") {
    if (definition.trim() === "") {
      d.error(DIAGNOSTIC_CODES.schema, "Definition must be a valid JSON object");
      return d.items;
    }
    try {
      doc = JSON.parse(definition);
    } catch (error) {
      d.error(DIAGNOSTIC_CODES.invalidJson, error instanceof Error ? error.message : String(error), "/");
      return d.items;
    }
  }
  if (doc === undefined || doc === null) {
    d.error(DIAGNOSTIC_CODES.missingDescription, "Received a null or empty definition");
    return d.items;
  }
  if (!isJsonObject(doc)) {
    d.error(DIAGNOSTIC_CODES.schema, "Definition must be a valid JSON object");
    return d.items;
  }
  const size = typeof definition === "string" ? definition.length : JSON.stringify(doc).length;
  if (size > MAX_DEFINITION_CHARS) {
    d.error(DIAGNOSTIC_CODES.schema, `The definition exceeds ${MAX_DEFINITION_CHARS} characters`, "/");
  }
  const root = doc as JsonObject;
  const language = root.QueryLanguage;
  if (language !== undefined && language !== "JSONPath" && language !== "JSONata") {
    d.schema("QueryLanguage must be JSONPath or JSONata", "/QueryLanguage");
  }
  const timeout = root.TimeoutSeconds;
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > 99999999)
  ) {
    d.schema("TimeoutSeconds must be an integer between 1 and 99999999", "/TimeoutSeconds");
  }
  if (root.Version !== undefined && root.Version !== "1.0") d.schema("Version must be '1.0'", "/Version");
  const walk: Walk = {
    d,
    jsonataTop: language === "JSONata",
    express: options.type === "EXPRESS",
    seen: new Set(),
  };
  checkMachine(walk, root, "/", true, new Set());
  return d.items;
}

function checkMachine(
  walk: Walk,
  machine: Json | undefined,
  location: string,
  isRoot: boolean,
  outerVariables: ReadonlySet<string>,
): void {
  const { d } = walk;
  if (!isJsonObject(machine)) {
    d.schema("Expected a JSON object with StartAt and States", location);
    return;
  }
  const missing = ["States", "StartAt"].filter((f) => machine[f] === undefined);
  if (missing.length > 0) d.schema(`These fields are required: [${missing.join(", ")}]`, location);
  for (const key of Object.keys(machine)) {
    if (!(isRoot ? ROOT_FIELDS : SUB_FIELDS).includes(key))
      d.schema(`The field "${key}" is not supported by Step Functions`, at(location, key));
  }
  const states = machine.States;
  if (states === undefined) return;
  if (!isJsonObject(states) || Object.keys(states).length === 0) {
    d.schema("States must be a non-empty JSON object", at(location, "States"));
    return;
  }
  const names = new Set(Object.keys(states));
  if (typeof machine.StartAt === "string" && !names.has(machine.StartAt)) {
    d.error(
      DIAGNOSTIC_CODES.missingTransitionTarget,
      `Missing 'StartAt' target: ${machine.StartAt}`,
      at(location, "StartAt"),
    );
  } else if (machine.StartAt !== undefined && typeof machine.StartAt !== "string") {
    d.schema("StartAt must be a string", at(location, "StartAt"));
  }
  const declared = new Set<string>();
  for (const state of Object.values(states)) {
    const jsonata = stateIsJsonata(walk, state);
    for (const variable of variablesAssignedBy(state, jsonata)) declared.add(variable);
  }
  const visible = new Set([...outerVariables, ...declared]);
  for (const [name, state] of Object.entries(states)) {
    const loc = at(at(location, "States"), name);
    checkName(walk, name, loc);
    const jsonata = stateIsJsonata(walk, state);
    if (isJsonObject(state) && state.QueryLanguage !== undefined) {
      if (state.QueryLanguage !== "JSONPath" && state.QueryLanguage !== "JSONata")
        d.schema("QueryLanguage must be JSONPath or JSONata", at(loc, "QueryLanguage"));
      else if (walk.jsonataTop && state.QueryLanguage === "JSONPath") {
        d.schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", loc);
      }
    }
    for (const variable of variablesAssignedBy(state, jsonata)) {
      if (outerVariables.has(variable)) {
        d.schema(
          `The variable '${variable}' is declared in an outer scope and cannot be assigned here`,
          at(loc, "Assign"),
        );
      }
    }
    checkState(d, state, loc, {
      names,
      jsonata,
      express: walk.express,
      subMachine: (value, subLocation) => checkMachine(walk, value, subLocation, false, visible),
    });
  }
  checkReachability(walk, machine, states, location);
}

function stateIsJsonata(walk: Walk, state: Json | undefined): boolean {
  const own = isJsonObject(state) ? state.QueryLanguage : undefined;
  return own === "JSONata" || (own === undefined && walk.jsonataTop);
}

/** Names assigned by a state itself, its Choice rules and its Catchers (all in its own scope). */
function variablesAssignedBy(state: Json | undefined, jsonata: boolean): string[] {
  if (!isJsonObject(state)) return [];
  const names = assignedNames(state.Assign, jsonata);
  for (const list of [state.Choices, state.Catch]) {
    if (Array.isArray(list))
      for (const entry of list) if (isJsonObject(entry)) names.push(...assignedNames(entry.Assign, jsonata));
  }
  return names;
}

function checkName(walk: Walk, name: string, location: string): void {
  if (name.length === 0 || [...name].length > MAX_STATE_NAME) {
    walk.d.error(
      DIAGNOSTIC_CODES.invalidStateName,
      `State names must be 1 to ${MAX_STATE_NAME} characters long: '${name}'`,
      location,
    );
  }
  if (walk.seen.has(name))
    walk.d.error(DIAGNOSTIC_CODES.duplicateStateName, `Duplicate State name: ${name}`, location);
  walk.seen.add(name);
}

/** Every state must be reachable from StartAt, and the machine must be able to end. */
function checkReachability(walk: Walk, machine: JsonObject, states: JsonObject, location: string): void {
  if (typeof machine.StartAt !== "string" || !Object.hasOwn(states, machine.StartAt)) return;
  const reached = new Set<string>();
  const pending = [machine.StartAt];
  let terminal = false;
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (reached.has(name) || !Object.hasOwn(states, name)) continue;
    reached.add(name);
    const state = states[name];
    if (!isJsonObject(state)) continue;
    if (state.End === true || state.Type === "Succeed" || state.Type === "Fail") terminal = true;
    const targets: Json[] = [state.Next ?? null, state.Default ?? null];
    for (const list of [state.Choices, state.Catch]) {
      if (Array.isArray(list))
        for (const entry of list) if (isJsonObject(entry)) targets.push(entry.Next ?? null);
    }
    for (const target of targets) if (typeof target === "string") pending.push(target);
  }
  for (const name of Object.keys(states)) {
    if (!reached.has(name))
      walk.d.schema(`State "${name}" is not reachable`, at(at(location, "States"), name));
  }
  if (!terminal) walk.d.error(DIAGNOSTIC_CODES.missingEndState, "Workflow has no terminal state", location);
}
