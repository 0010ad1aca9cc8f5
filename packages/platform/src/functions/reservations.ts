import { functionsError } from "./errors.js";
import type { FunctionService } from "./function-service.js";

export interface ReservationLimits {
  accountConcurrency: number;
  /** Unreserved concurrency that must remain (AWS: 100). */
  minimumUnreserved: number;
}

/**
 * Reserved concurrency (PutFunctionConcurrency): stored on each function record; the account
 * total is cached for admission and dropped whenever a reservation or a function changes.
 */
export class Reservations {
  private total: number | undefined;

  constructor(
    private readonly functions: FunctionService,
    private readonly limits: ReservationLimits,
  ) {
    functions.onChange((_name, change) => {
      if (change === "deleted") this.total = undefined;
    });
  }

  /**
   * Sets (or with `undefined` removes) a function's reservation. Refused when the account's
   * unreserved concurrency would fall below the minimum.
   */
  async set(nameOrArn: string, value: number | undefined): Promise<void> {
    const { record } = await this.functions.getRecord(nameOrArn);
    const name = record.latest.name;
    if (value !== undefined) {
      const others = (await this.all()).filter(([n]) => n !== name).reduce((sum, [, r]) => sum + r, 0);
      if (this.limits.accountConcurrency - others - value < this.limits.minimumUnreserved) {
        throw functionsError.invalid(
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.limits.minimumUnreserved}].`,
        );
      }
    }
    await this.functions.updateRecord(name, (next) => {
      if (value === undefined) delete next.reservedConcurrency;
      else next.reservedConcurrency = value;
      return next;
    });
    this.total = undefined;
  }

  /** Sum of every function's reservation. */
  async reserved(): Promise<number> {
    this.total ??= (await this.all()).reduce((sum, [, r]) => sum + r, 0);
    return this.total;
  }

  /** `unreserved` without waiting, once the total is known (undefined until then). */
  unreservedCached(): number | undefined {
    return this.total === undefined ? undefined : this.limits.accountConcurrency - this.total;
  }

  /** What the functions without a reservation share. */
  async unreserved(): Promise<number> {
    return this.limits.accountConcurrency - (await this.reserved());
  }

  private async all(): Promise<[string, number][]> {
    const out: [string, number][] = [];
    for await (const { record } of this.functions.records()) {
      if (record.reservedConcurrency !== undefined)
        out.push([record.latest.name, record.reservedConcurrency]);
    }
    return out;
  }
}
