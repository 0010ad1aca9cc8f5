import { PlatformError } from "./errors.js";

/**
 * One message sent to a resource named by ARN: an async invocation's destination or dead-letter
 * target, a topic's subscriber, later an object notification or a rule's target. What it becomes
 * depends on the target: a queue message body, a topic's `Message`, an async invoke payload.
 */
export interface TargetMessage {
  body: string;
  /** Message attributes (SQS/SNS shape; the DLQ's RequestID/ErrorCode/ErrorMessage). */
  attributes?: Record<string, TargetAttribute>;
  /** Topic targets: the `Subject`. */
  subject?: string;
  /** FIFO queue or topic targets. */
  groupId?: string;
  dedupId?: string;
}

export interface TargetAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: Buffer;
}

/** Delivers to one kind of target; `arn` is the whole target ARN. Resolves once accepted (durable). */
export type TargetHandler = (arn: string, message: TargetMessage) => Promise<void>;

/** The service part of an ARN (`arn:aws:<service>:...`). */
export type TargetService = "sqs" | "sns" | "lambda" | "events" | "states" | "s3";

/**
 * The ARN-addressed delivery registry. Areas that can receive (queues, topics, the async
 * invoker, ...) register a handler for their service at composition time (server.ts); areas that
 * send (async destinations, topic fan-out) call `deliver`. This breaks the cycles between them:
 * topics deliver to functions through async invocation, and async invocation delivers to topics.
 */
export class Targets {
  private readonly handlers = new Map<string, TargetHandler>();

  register(service: TargetService, handler: TargetHandler): void {
    if (this.handlers.has(service)) throw new Error(`a target handler for ${service} is already registered`);
    this.handlers.set(service, handler);
  }

  /** True when a handler exists for the ARN's service (validation at configuration time). */
  supports(arn: string): boolean {
    const service = arnService(arn);
    return service !== undefined && this.handlers.has(service);
  }

  async deliver(arn: string, message: TargetMessage): Promise<void> {
    const service = arnService(arn);
    const handler = service === undefined ? undefined : this.handlers.get(service);
    if (!handler) {
      throw new PlatformError({
        code: "ERR_TARGET_UNSUPPORTED",
        message: `Nimbus cannot deliver to ${arn}: no service for ${service ?? "this ARN"} is available.`,
        status: 400,
        awsName: "InvalidParameterValueException",
      });
    }
    await handler(arn, message);
  }
}

export function arnService(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts[0] === "arn" && parts.length >= 6 ? parts[2] : undefined;
}
