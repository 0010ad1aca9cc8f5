/**
 * ValidateStateMachineDefinition diagnostics: `{severity, code, message, location}` where
 * location is a JSON pointer such as `/States/MyState/Next`. Codes are AWS's:
 * errors INVALID_JSON_DESCRIPTION, MISSING_DESCRIPTION, SCHEMA_VALIDATION_FAILED,
 * INVALID_RESOURCE, MISSING_END_STATE, DUPLICATE_STATE_NAME, INVALID_STATE_NAME,
 * MISSING_TRANSITION_TARGET; warnings NO_DOLLAR, NO_PATH, PASS_RESULT_IS_STATIC. Nimbus adds
 * UNSUPPORTED_FEATURE (an error) for valid AWS features it cannot run, so nothing is silently ignored.
 */
export interface Diagnostic {
  severity: "ERROR" | "WARNING";
  code: string;
  message: string;
  location?: string;
}

/** Diagnostic codes, by meaning. */
export const DIAGNOSTIC_CODES = {
  invalidJson: "INVALID_JSON_DESCRIPTION",
  missingDescription: "MISSING_DESCRIPTION",
  schema: "SCHEMA_VALIDATION_FAILED",
  invalidResource: "INVALID_RESOURCE",
  missingEndState: "MISSING_END_STATE",
  duplicateStateName: "DUPLICATE_STATE_NAME",
  invalidStateName: "INVALID_STATE_NAME",
  missingTransitionTarget: "MISSING_TRANSITION_TARGET",
  unsupported: "UNSUPPORTED_FEATURE",
  noDollar: "NO_DOLLAR",
  noPath: "NO_PATH",
  passResultIsStatic: "PASS_RESULT_IS_STATIC",
} as const;

/** Collects diagnostics; every problem is reported, none stops the walk. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  error(code: string, message: string, location?: string): void {
    this.items.push(
      location === undefined
        ? { severity: "ERROR", code, message }
        : { severity: "ERROR", code, message, location },
    );
  }

  schema(message: string, location: string): void {
    this.error(DIAGNOSTIC_CODES.schema, message, location);
  }

  warn(code: string, message: string, location: string): void {
    this.items.push({ severity: "WARNING", code, message, location });
  }
}

/** Appends a key to a JSON-pointer location. */
export function at(location: string, key: string | number): string {
  const escaped = String(key).replace(/~/g, "~0").replace(/\//g, "~1");
  return location === "/" ? `/${escaped}` : `${location}/${escaped}`;
}
