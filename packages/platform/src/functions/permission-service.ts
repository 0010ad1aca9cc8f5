import { randomUUID } from "node:crypto";
import { isPlatformError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { MetadataStore, StoredDocument } from "../storage/metadata-store.js";
import { isAliasName } from "./alias-model.js";
import { FUNCTIONS_ERRORS, functionsError } from "./errors.js";
import type { FunctionRecord } from "./function-model.js";
import type { FunctionService } from "./function-service.js";
import {
  KIND_FUNCTION_POLICY,
  MAX_POLICY_BYTES,
  type PermissionPolicy,
  type PermissionStatement,
  permissionError,
  policyJson,
  policyKey,
  statementJson,
} from "./permission-policy.js";

const REVISION_MISMATCH =
  "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id";
/** Writes that lose a race with another AddPermission/RemovePermission are re-applied this often. */
const MAX_ATTEMPTS = 8;

/** The resource a request names: the function, one of its versions or one of its aliases. */
interface Target {
  record: FunctionRecord;
  name: string;
  qualifier: string | undefined;
  /** The target's own RevisionId: what a RevisionId is checked against before any policy exists. */
  revisionId: string;
}

/**
 * Resource-based policies of functions, versions and aliases (AddPermission, RemovePermission,
 * GetPolicy). One document per resource, stamped with its function's `createdAt`: a policy goes
 * away with its function (`onChange` sweeps, and every read checks the stamp lazily), and with
 * its version or alias (checked on every read, swept when the function changes).
 *
 * Difference from AWS: there the RevisionId of a policy is the function's (or alias's) and an
 * AddPermission changes it; here the policy keeps its own, which GetPolicy returns and
 * AddPermission/RemovePermission check, so optimistic locking on the policy works the same way.
 */
export class PermissionService {
  private readonly sweeps = new Set<Promise<void>>();

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly logger: Logger,
  ) {
    functions.onChange((name, change) => {
      if (change === "deleted") this.scheduleSweep(name);
    });
  }

  /** AddPermission: appends a statement; answers the statement as Lambda renders it. */
  async add(
    functionRef: string,
    qualifierParam: string | undefined,
    statement: PermissionStatement,
    revisionId: string | undefined,
  ): Promise<Record<string, unknown>> {
    const resource = await this.resolveTarget(functionRef, qualifierParam);
    const arn = this.functions.arn(resource.name, resource.qualifier);
    const rendered = statementJson(statement, arn); // refuses a bad principal before any write
    for (let attempt = 1; ; attempt++) {
      const doc = await this.load(resource);
      const current = doc?.value;
      if (revisionId !== undefined && revisionId !== (current?.revisionId ?? resource.revisionId)) {
        throw functionsError.precondition(REVISION_MISMATCH);
      }
      if (current?.statements.some((s) => s.sid === statement.sid)) {
        throw functionsError.conflict(
          `The statement id (${statement.sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      const statements = [...(current?.statements ?? []), statement];
      const size = Buffer.byteLength(JSON.stringify(policyJson(statements, arn)));
      if (size > MAX_POLICY_BYTES) throw permissionError.tooLarge(size);
      const next: PermissionPolicy = {
        functionName: resource.name,
        ...(resource.qualifier === undefined ? {} : { qualifier: resource.qualifier }),
        functionCreatedAt: resource.record.createdAt,
        revisionId: randomUUID(),
        statements,
      };
      if (await this.put(resource, next, doc, attempt)) return rendered;
    }
  }

  /** GetPolicy: the document and its RevisionId. */
  async get(
    functionRef: string,
    qualifierParam: string | undefined,
  ): Promise<{ policy: Record<string, unknown>; revisionId: string }> {
    const resource = await this.resolveTarget(functionRef, qualifierParam);
    const doc = await this.load(resource);
    if (!doc || doc.value.statements.length === 0) {
      throw permissionError.notFound("The resource you requested does not exist.");
    }
    const arn = this.functions.arn(resource.name, resource.qualifier);
    return { policy: policyJson(doc.value.statements, arn), revisionId: doc.value.revisionId };
  }

  /** RemovePermission. Removing the last statement removes the policy. */
  async remove(
    functionRef: string,
    qualifierParam: string | undefined,
    sid: string,
    revisionId: string | undefined,
  ): Promise<void> {
    const resource = await this.resolveTarget(functionRef, qualifierParam);
    for (let attempt = 1; ; attempt++) {
      const doc = await this.load(resource);
      // AWS's texts for a resource without a policy and for an unknown statement id.
      if (!doc) throw permissionError.notFound("No policy is associated with the given resource.");
      if (revisionId !== undefined && revisionId !== doc.value.revisionId) {
        throw functionsError.precondition(REVISION_MISMATCH);
      }
      if (!doc.value.statements.some((s) => s.sid === sid)) {
        throw permissionError.notFound(`Statement ${sid} is not found in resource policy.`);
      }
      const statements = doc.value.statements.filter((s) => s.sid !== sid);
      const next =
        statements.length === 0 ? undefined : { ...doc.value, statements, revisionId: randomUUID() };
      if (await this.put(resource, next, doc, attempt)) return;
    }
  }

  /** Resolves once every sweep started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sweeps.size > 0) await Promise.all([...this.sweeps]);
  }

  /** The function, version or alias a request names; ResourceNotFoundException when missing. */
  private async resolveTarget(functionRef: string, qualifierParam: string | undefined): Promise<Target> {
    const { record, qualifier: fromName } = await this.functions.getRecord(functionRef);
    if (fromName !== undefined && qualifierParam !== undefined && fromName !== qualifierParam) {
      throw functionsError.invalid(
        "The derived qualifier from the function name does not match the specified qualifier.",
      );
    }
    const name = record.latest.name;
    // Uncertain: AWS may keep a separate `:$LATEST` policy; Nimbus treats it as the function's.
    const raw = fromName ?? qualifierParam;
    const qualifier = raw === undefined || raw === "" || raw === "$LATEST" ? undefined : raw;
    if (qualifier === undefined) return { record, name, qualifier, revisionId: record.latest.revisionId };
    if (isAliasName(qualifier)) {
      const alias = await this.functions.getAlias(name, qualifier);
      return { record, name, qualifier, revisionId: alias.revisionId };
    }
    const version = await this.functions.getConfig(name, qualifier);
    return { record, name, qualifier, revisionId: version.revisionId };
  }

  /** The target's policy document; a document left by an earlier function of that name counts as none. */
  private async load(resource: Target): Promise<StoredDocument<PermissionPolicy> | undefined> {
    const doc = await this.store.get<PermissionPolicy>(
      KIND_FUNCTION_POLICY,
      policyKey(resource.name, resource.qualifier),
    );
    if (doc && doc.value.functionCreatedAt !== resource.record.createdAt) {
      await this.store
        .write([
          {
            op: "delete",
            kind: KIND_FUNCTION_POLICY,
            key: policyKey(resource.name, resource.qualifier),
            expectRevision: doc.revision,
          },
        ])
        .catch((error: unknown) => {
          if (!(isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT")) throw error;
        });
      return undefined;
    }
    return doc;
  }

  /**
   * Writes (or deletes, when `next` is undefined) the policy if nobody changed it since `doc`
   * was read. False when another write won: the caller re-reads and re-applies.
   */
  private async put(
    resource: Target,
    next: PermissionPolicy | undefined,
    doc: StoredDocument<PermissionPolicy> | undefined,
    attempt: number,
  ): Promise<boolean> {
    const key = policyKey(resource.name, resource.qualifier);
    try {
      await this.store.write([
        next === undefined
          ? {
              op: "delete",
              kind: KIND_FUNCTION_POLICY,
              key,
              ...(doc ? { expectRevision: doc.revision } : {}),
            }
          : {
              op: "put",
              kind: KIND_FUNCTION_POLICY,
              key,
              value: next,
              expectRevision: doc?.revision ?? "absent",
            },
      ]);
      return true;
    } catch (error) {
      if (isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT") {
        if (attempt < MAX_ATTEMPTS) return false;
        throw functionsError.conflict(
          `The operation cannot be performed at this time. An update is in progress for resource: ${this.functions.arn(resource.name, resource.qualifier)}`,
        );
      }
      throw error;
    }
  }

  private scheduleSweep(name: string): void {
    const sweep = this.sweep(name)
      .catch((error: unknown) =>
        this.logger.warn({ err: error, function: name }, "could not remove stale function policies"),
      )
      .finally(() => this.sweeps.delete(sweep));
    this.sweeps.add(sweep);
  }

  /** Removes the policies of `name` whose function, version or alias is gone. */
  private async sweep(name: string): Promise<void> {
    const page = await this.store.list<PermissionPolicy>(KIND_FUNCTION_POLICY, { prefix: `${name}/` });
    if (page.items.length === 0) return;
    const record = await this.functions.getRecord(name).then(
      (r) => r.record,
      (error: unknown) => {
        if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) return undefined;
        throw error;
      },
    );
    for (const doc of page.items) {
      if (record && doc.value.functionCreatedAt === record.createdAt) {
        const qualifier = doc.value.qualifier;
        if (qualifier === undefined || (await this.exists(name, qualifier))) continue;
      }
      await this.store
        .write([{ op: "delete", kind: KIND_FUNCTION_POLICY, key: doc.key, expectRevision: doc.revision }])
        .catch((error: unknown) => {
          if (!(isPlatformError(error) && error.code === "ERR_STORAGE_CONFLICT")) throw error;
        });
    }
  }

  private async exists(name: string, qualifier: string): Promise<boolean> {
    try {
      if (isAliasName(qualifier)) await this.functions.getAlias(name, qualifier);
      else await this.functions.getConfig(name, qualifier);
      return true;
    } catch (error) {
      if (isPlatformError(error) && error.code === FUNCTIONS_ERRORS.notFound) return false;
      throw error;
    }
  }
}
