import { type Diagnostic, validateDefinition } from "../engine/index.js";
import { workflowError } from "../errors.js";
import { unsupportedServiceFields } from "../executions/service-integrations.js";
import { isSupportedResource, SUPPORTED_RESOURCES_TEXT } from "../executions/task-dispatch.js";

export type MachineType = "STANDARD" | "EXPRESS";

/**
 * Every diagnostic for a definition: the engine's validation plus an UNSUPPORTED_FEATURE error
 * for each Task resource this version cannot run (see `executions/task-dispatch.ts`), and a
 * SCHEMA_VALIDATION_FAILED error for each Parameters / Arguments field a queue, topic or bus
 * API does not have, as Step Functions checks its optimized integrations.
 */
export function checkDefinition(text: string, type: MachineType): Diagnostic[] {
  const diagnostics = validateDefinition(text, { type });
  if (diagnostics.some((d) => d.severity === "ERROR")) return diagnostics;
  const unsupported: Diagnostic[] = [];
  visitTasks(JSON.parse(text) as unknown, "", (resource, location, state) => {
    for (const field of ["Parameters", "Arguments"])
      for (const key of unsupportedServiceFields(resource, state[field]))
        unsupported.push({
          severity: "ERROR",
          code: "SCHEMA_VALIDATION_FAILED",
          message: `The field "${key}" is not supported by Step Functions`,
          location: `${location.replace(/\/Resource$/, "")}/${field}/${key}`,
        });
    if (!isSupportedResource(resource))
      unsupported.push({
        severity: "ERROR",
        code: "UNSUPPORTED_FEATURE",
        message: `The resource '${resource}' is not supported by Nimbus yet: only ${SUPPORTED_RESOURCES_TEXT} can be Task resources`,
        location,
      });
  });
  return [...unsupported, ...diagnostics];
}

/** Throws InvalidDefinition listing every ERROR diagnostic, as CreateStateMachine does on AWS. */
export function assertValidDefinition(text: string, type: MachineType): void {
  const errors = checkDefinition(text, type).filter((d) => d.severity === "ERROR");
  if (errors.length === 0) return;
  const list = errors.map((d) => `'${d.code}: ${d.message}${d.location ? ` at ${d.location}` : ""}'`);
  throw workflowError.invalidDefinition(`Invalid State Machine Definition: ${list.join(", ")}`);
}

function visitTasks(
  machine: unknown,
  location: string,
  visit: (resource: string, location: string, state: Record<string, unknown>) => void,
): void {
  if (!isObject(machine) || !isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    const here = `${location}/States/${name}`;
    if (state.Type === "Task" && typeof state.Resource === "string")
      visit(state.Resource, `${here}/Resource`, state);
    if (Array.isArray(state.Branches))
      for (const [i, branch] of state.Branches.entries()) visitTasks(branch, `${here}/Branches/${i}`, visit);
    if (state.ItemProcessor !== undefined) visitTasks(state.ItemProcessor, `${here}/ItemProcessor`, visit);
    if (state.Iterator !== undefined) visitTasks(state.Iterator, `${here}/Iterator`, visit);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
