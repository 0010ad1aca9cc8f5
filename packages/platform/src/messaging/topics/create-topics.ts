import type { AwsRequest, HttpResult } from "../../aws/http-types.js";
import type { QueryService } from "../../aws/query-protocol.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { TargetHandler, Targets } from "../../core/targets.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { QueueStore } from "../../storage/queue-store.js";
import { Delivery } from "./delivery.js";
import { SIGNING_CERT_PATH } from "./envelope.js";
import { DELIVERY_FIFO_QUEUE, DELIVERY_QUEUE, Fanout } from "./fanout.js";
import { MessageSigner } from "./message-signer.js";
import { PUBLISH_FIFO_QUEUE, PUBLISH_QUEUE, Publisher } from "./publisher.js";
import { QueueWorker, type QueueWorkerOptions } from "./queue-worker.js";
import { createSnsApi } from "./sns-api.js";
import { SubscriptionService } from "./subscription-service.js";
import { TopicService } from "./topic-service.js";
import { unsignedLinksRoute } from "./unsigned-links.js";

export interface TopicsDeps {
  store: MetadataStore;
  /** Durable internal queues: publishes awaiting fan-out and deliveries awaiting success. */
  queues: QueueStore;
  /** Where SQS and Lambda subscribers (and dead-letter queues) are delivered. */
  targets: Targets;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** This server's URL, for envelopes of messages published through `Targets` (no request). */
  endpointUrl: () => string;
}

export interface Topics {
  /** The SNS API, for the front door's query services. */
  api: QueryService;
  /** The "sns" target handler: publishes an async destination / DLQ record to a topic by ARN. */
  deliver: TargetHandler;
  /**
   * Traffic route for the unsigned GETs of SubscribeURL and UnsubscribeURL links (they must work
   * with authentication on, as in SNS). Add it to the front door's traffic routes.
   */
  linksRoute: (req: AwsRequest) => Promise<HttpResult | undefined> | undefined;
  /** The signing certificate (PEM) at the messages' SigningCertURL. */
  route: (req: AwsRequest) => Promise<HttpResult | undefined>;
  /** Messages not yet delivered: publishes awaiting fan-out plus deliveries awaiting success. */
  pendingDeliveries(): Promise<number>;
  /** Resumes fan-out and deliveries left by a previous run. Call once targets are registered. */
  start(): Promise<void>;
  /** Stops the workers (undelivered messages stay queued). Close before the stores. */
  close(): Promise<void>;
}

/** How many deliveries run at once (HTTP endpoints may be slow; SQS/Lambda are quick). */
const DELIVERY_CONCURRENCY = 32;
const FANOUT_CONCURRENCY = 20;
/** A message being handled is invisible this long; after a crash it is handled again. */
const LEASE_MS = 60_000;

/** Topics (SNS): metadata in `store`, messages in durable internal queues of `queues`. */
export function createTopics(deps: TopicsDeps): Topics {
  const { store, queues, targets, clock, scope, logger } = deps;
  const topics = new TopicService(store, scope, clock);
  const workers: QueueWorker[] = [];
  const worker = (
    queueId: string,
    fifo: boolean,
    handle: QueueWorkerOptions["handle"],
    concurrency: number,
    batch = false,
  ) => {
    const w = new QueueWorker({
      store: queues,
      queueId,
      fifo,
      clock,
      logger,
      handle,
      batch,
      concurrency,
      leaseMs: LEASE_MS,
    });
    workers.push(w);
    return w;
  };
  let fanout: Fanout | undefined;
  const subscriptions = new SubscriptionService({
    store,
    topics,
    scope,
    clock,
    canDeliver: (arn) => targets.supports(arn),
    sendConfirmation: (sub, origin, restoreToken) =>
      (fanout as Fanout).confirmation(sub, origin, clock.now(), restoreToken),
  });
  const delivery = new Delivery(subscriptions, targets, clock, logger);
  const deliveries = worker(DELIVERY_QUEUE, false, delivery.handle, DELIVERY_CONCURRENCY);
  const fifoDeliveries = worker(DELIVERY_FIFO_QUEUE, true, delivery.handle, DELIVERY_CONCURRENCY);
  // The signing key is made (or read) once, on first use.
  let signer: Promise<MessageSigner> | undefined;
  const loadSigner = () => {
    signer ??= MessageSigner.load(store, clock).catch((error: unknown) => {
      signer = undefined;
      throw error;
    });
    return signer;
  };
  fanout = new Fanout(
    topics,
    subscriptions,
    queues,
    (fifo) => (fifo ? fifoDeliveries : deliveries).kick(),
    loadSigner,
  );
  const publishes = worker(PUBLISH_QUEUE, false, fanout.handle, FANOUT_CONCURRENCY, true);
  const fifoPublishes = worker(PUBLISH_FIFO_QUEUE, true, fanout.handle, FANOUT_CONCURRENCY, true);
  const publisher = new Publisher(topics, queues, clock, (fifo) => (fifo ? fifoPublishes : publishes).kick());

  const api = createSnsApi(topics, subscriptions, publisher);
  return {
    api,
    linksRoute: unsignedLinksRoute(api, subscriptions),
    deliver: (arn, message) => publisher.publishTarget(arn, message, deps.endpointUrl()),
    route: async (req) => {
      if (req.rawPath !== SIGNING_CERT_PATH) return undefined;
      const { certificatePem } = await loadSigner();
      return { status: 200, headers: { "content-type": "application/x-x509-ca-cert" }, body: certificatePem };
    },
    async pendingDeliveries() {
      let total = 0;
      for (const queueId of [PUBLISH_QUEUE, PUBLISH_FIFO_QUEUE, DELIVERY_QUEUE, DELIVERY_FIFO_QUEUE]) {
        const counts = await queues.counts(queueId, clock.now());
        total += counts.visible + counts.inFlight + counts.delayed;
      }
      return total;
    },
    async start() {
      for (const w of workers) await w.start();
    },
    async close() {
      delivery.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
