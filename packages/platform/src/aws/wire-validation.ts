import { PlatformError } from "../core/errors.js";
import { awsError } from "./aws-errors.js";

/**
 * Typed reads of wire members with the errors AWS front ends give: a member of the wrong JSON
 * type is a SerializationException; a value outside the model's constraints is a
 * ValidationException ("1 validation error detected: Value 'x' at 'memorySize' failed to
 * satisfy constraint: ...").
 */
export class WireReader {
  private readonly problems: string[] = [];

  constructor(private readonly input: Record<string, unknown>) {}

  private wrongType(member: string, expected: string): never {
    throw awsError.serialization(`Member ${member} must be ${expected}.`);
  }

  string(
    member: string,
    constraints: { min?: number; max?: number; pattern?: RegExp } = {},
  ): string | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.wrongType(member, "a string");
    if (constraints.min !== undefined && value.length < constraints.min) {
      this.fail(value, member, `Member must have length greater than or equal to ${constraints.min}`);
    } else if (constraints.max !== undefined && value.length > constraints.max) {
      this.fail(value, member, `Member must have length less than or equal to ${constraints.max}`);
    } else if (constraints.pattern && !constraints.pattern.test(value)) {
      this.fail(
        value,
        member,
        `Member must satisfy regular expression pattern: ${constraints.pattern.source}`,
      );
    }
    return value;
  }

  integer(member: string, constraints: { min?: number; max?: number } = {}): number | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) this.wrongType(member, "an integer");
    if (constraints.min !== undefined && value < constraints.min) {
      this.fail(String(value), member, `Member must have value greater than or equal to ${constraints.min}`);
    } else if (constraints.max !== undefined && value > constraints.max) {
      this.fail(String(value), member, `Member must have value less than or equal to ${constraints.max}`);
    }
    return value;
  }

  boolean(member: string): boolean | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") this.wrongType(member, "a boolean");
    return value;
  }

  enumValue<T extends string>(member: string, allowed: readonly T[]): T | undefined {
    const value = this.string(member);
    if (value !== undefined && !allowed.includes(value as T)) {
      this.fail(value, member, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
    }
    return value as T | undefined;
  }

  object(member: string): Record<string, unknown> | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) this.wrongType(member, "a structure");
    return value as Record<string, unknown>;
  }

  stringMap(member: string): Record<string, string> | undefined {
    const value = this.object(member);
    if (value === undefined) return undefined;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== "string") this.wrongType(`${member}.${k}`, "a string");
    }
    return value as Record<string, string>;
  }

  stringList(member: string): string[] | undefined {
    const value = this.input[member];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
      this.wrongType(member, "a list of strings");
    return value as string[];
  }

  /** Records a constraint failure; `done()` throws them all at once as AWS does. */
  fail(value: string, member: string, constraint: string): void {
    const shown = value.length > 256 ? `${value.slice(0, 256)}...` : value;
    this.problems.push(
      `Value '${shown}' at '${lowerFirst(member)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  /** Throws the collected ValidationException, if any. */
  done(): void {
    if (this.problems.length === 0) return;
    const n = this.problems.length;
    throw new PlatformError({
      code: "ERR_AWS_VALIDATION",
      message: `${n} validation error${n === 1 ? "" : "s"} detected: ${this.problems.join("; ")}`,
      status: 400,
      awsName: "ValidationException",
    });
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
