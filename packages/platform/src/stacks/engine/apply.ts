import { isDeepStrictEqual } from "node:util";
import type { ApplyOptions, ResolvedProperties, ResourceDefinition, ResourceProvider } from "../model.js";
import {
  containsUnresolved,
  dependencyOrder,
  evaluateOutputs,
  Resolver,
  resourceDependencies,
} from "../template/index.js";
import { handlerMessage, type OperationContext } from "./operation-context.js";
import type { ResourceState, StackInputs } from "./records.js";

/** What an apply did, so a rollback can undo it (in memory: a restart marks the stack failed). */
export interface Journal {
  /** Logical ids created by this operation, in completion order. */
  created: string[];
  /** Updated in place: the state before. */
  updated: Map<string, ResourceState>;
  /** Replaced: the old resource (deleted at cleanup, restored on rollback). */
  replaced: Map<string, ResourceState>;
  /** Logical ids whose step failed, with the reason. */
  failed: Map<string, string>;
}

export function newJournal(): Journal {
  return { created: [], updated: new Map(), replaced: new Map(), failed: new Map() };
}

/** Applies properties only the provider lists; the plan has reported the others as not applied. */
export function appliedProperties(
  provider: ResourceProvider,
  properties: ResolvedProperties,
): ResolvedProperties {
  const known = new Set(provider.properties);
  return Object.fromEntries(Object.entries(properties).filter(([key]) => known.has(key)));
}

/**
 * Creates and updates the resources of `inputs.processed` in dependency order (independent ones
 * in parallel, at most `deps.parallel` at once), resolving each one's properties just before it
 * runs. Stops at the first failure (after the steps already running end) and throws it; the
 * journal says what was done. Returns the stack's outputs and the export names it imports.
 */
export async function applyResources(
  op: OperationContext,
  inputs: StackInputs,
  journal: Journal,
  importValue: (name: string) => string | undefined,
  /** `force`: apply even when the properties look unchanged; `skip`: leave as they are. */
  options: { force?: Set<string>; skip?: Set<string> } = {},
): Promise<{ outputs: ReturnType<typeof evaluateOutputs>; imports: string[] }> {
  const template = inputs.processed;
  const skipped = new Set(inputs.skipped);
  const dependencies = resourceDependencies(template, inputs.conditions);
  const order = dependencyOrder(dependencies).filter((id) => !skipped.has(id));
  const done = new Set<string>();
  const imports = new Set<string>();
  const resolver = new Resolver({
    template,
    parameters: inputs.parameters,
    conditions: inputs.conditions,
    pseudo: {
      region: op.provider.region,
      accountId: op.provider.accountId,
      stackName: op.stack.stackName,
      stackId: op.stack.stackId,
    },
    resource: (logicalId) => {
      const state = op.state.resources[logicalId];
      if (!done.has(logicalId) || !state?.physicalId) return undefined;
      return { ref: state.ref ?? state.physicalId, attributes: state.attributes };
    },
    importValue: (name) => {
      imports.add(name);
      return importValue(name);
    },
  });

  const step = async (logicalId: string) => {
    const def = template.Resources[logicalId] as ResourceDefinition;
    const provider = op.providerFor(def.Type);
    if (!provider) throw new Error(`No provider for ${def.Type}`); // the plan skipped these
    if (!(options.skip?.has(logicalId) && op.state.resources[logicalId]?.physicalId))
      await applyOne(op, journal, resolver, logicalId, def, provider, {
        dependsOn: [...(dependencies.get(logicalId) ?? [])],
        force: options.force?.has(logicalId) === true,
      });
    done.add(logicalId);
  };
  await runInOrder(order, dependencies, op.deps.parallel, step);
  const outputs = evaluateOutputs(template, resolver, inputs.conditions);
  return { outputs, imports: [...imports] };
}

async function applyOne(
  op: OperationContext,
  journal: Journal,
  resolver: Resolver,
  logicalId: string,
  def: ResourceDefinition,
  provider: ResourceProvider,
  { dependsOn, force }: { dependsOn: string[]; force: boolean },
): Promise<void> {
  const now = op.deps.clock.now();
  const existing = op.state.resources[logicalId];
  const fresh = !existing?.physicalId;
  let properties: ResolvedProperties;
  let options: ApplyOptions;
  try {
    properties = (resolver.resolve(def.Properties ?? {}) ?? {}) as ResolvedProperties;
    if (containsUnresolved(properties))
      throw new Error(
        `Properties of ${logicalId} refer to a value that is not known (a resource that was not created)`,
      );
    const updatePolicy = def.UpdatePolicy === undefined ? undefined : resolver.resolve(def.UpdatePolicy);
    options = updatePolicy === undefined ? {} : { updatePolicy: updatePolicy as Record<string, unknown> };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    journal.failed.set(logicalId, reason);
    await op.event(
      logicalId,
      def.Type,
      fresh ? "CREATE_FAILED" : "UPDATE_FAILED",
      reason,
      existing?.physicalId,
    );
    throw error;
  }
  const base: Omit<ResourceState, "status" | "attributes" | "properties"> = {
    logicalId,
    type: def.Type,
    updatedAt: now,
    dependsOn,
    ...(def.DeletionPolicy === undefined ? {} : { deletionPolicy: def.DeletionPolicy }),
    ...(def.UpdateReplacePolicy === undefined ? {} : { updateReplacePolicy: def.UpdateReplacePolicy }),
    ...(provider.recordedOnly ? { recordedOnly: true } : {}),
    ...(def.Metadata === undefined ? {} : { metadata: def.Metadata }),
  };
  const applied = appliedProperties(provider, properties);

  if (fresh) {
    await op.setResource({ ...base, status: "CREATE_IN_PROGRESS", attributes: {}, properties });
    await op.event(logicalId, def.Type, "CREATE_IN_PROGRESS", undefined, undefined, properties);
    try {
      const result = await provider.create(op.provider, logicalId, applied, options);
      await op.setResource({
        ...base,
        physicalId: result.physicalId,
        ...(result.ref === undefined ? {} : { ref: result.ref }),
        attributes: result.attributes,
        properties,
        status: "CREATE_COMPLETE",
      });
      journal.created.push(logicalId);
      await op.event(logicalId, def.Type, "CREATE_COMPLETE", undefined, result.physicalId);
    } catch (error) {
      const reason = handlerMessage(error);
      journal.failed.set(logicalId, reason);
      await op.setResource({
        ...base,
        status: "CREATE_FAILED",
        statusReason: reason,
        attributes: {},
        properties,
      });
      await op.event(logicalId, def.Type, "CREATE_FAILED", reason);
      throw error;
    }
    return;
  }

  const current = existing as ResourceState & { physicalId: string };
  const changed = Object.keys({ ...properties, ...current.properties }).filter(
    (key) => !isDeepStrictEqual(properties[key], current.properties[key]),
  );
  if (changed.length === 0 && !force) {
    // Nothing to apply; keep the attributes (DeletionPolicy, DependsOn) the template now gives.
    const { deletionPolicy, updateReplacePolicy, metadata, recordedOnly, ...kept } = current;
    await op.setResource({ ...kept, ...base, updatedAt: current.updatedAt, status: current.status });
    return;
  }
  const replaceOn = new Set(provider.replaceOn ?? []);
  const replace = changed.some((key) => replaceOn.has(key));
  if (replace) {
    await op.event(
      logicalId,
      def.Type,
      "UPDATE_IN_PROGRESS",
      "Requested update requires the creation of a new physical resource; hence creating one.",
      current.physicalId,
    );
    try {
      const result = await provider.create(op.provider, logicalId, applied, options);
      const { previousCopy: _older, ...old } = current;
      journal.replaced.set(logicalId, old);
      await op.setResource({
        ...base,
        physicalId: result.physicalId,
        ...(result.ref === undefined ? {} : { ref: result.ref }),
        attributes: result.attributes,
        properties,
        status: "UPDATE_COMPLETE",
        // Stored, so the cleanup (or ContinueUpdateRollback after a restart) finds the old copy.
        previousCopy: old,
      });
      await op.event(logicalId, def.Type, "UPDATE_COMPLETE", undefined, result.physicalId);
    } catch (error) {
      const reason = handlerMessage(error);
      journal.failed.set(logicalId, reason);
      await op.setResource({ ...current, status: "UPDATE_FAILED", statusReason: reason });
      await op.event(logicalId, def.Type, "UPDATE_FAILED", reason, current.physicalId);
      throw error;
    }
    return;
  }
  await op.setResource({ ...current, status: "UPDATE_IN_PROGRESS" });
  await op.event(logicalId, def.Type, "UPDATE_IN_PROGRESS", undefined, current.physicalId, properties);
  try {
    const result = await provider.update(
      op.provider,
      logicalId,
      {
        physicalId: current.physicalId,
        // Forced (a step a restart cut short): what is applied is not known, so the provider
        // is told nothing is, and sets every property the template gives.
        properties: force ? {} : appliedProperties(provider, current.properties),
        attributes: current.attributes,
      },
      applied,
      options,
    );
    journal.updated.set(logicalId, current);
    await op.setResource({
      ...base,
      physicalId: result.physicalId,
      ...(result.ref === undefined ? {} : { ref: result.ref }),
      attributes: result.attributes,
      properties,
      status: "UPDATE_COMPLETE",
    });
    await op.event(logicalId, def.Type, "UPDATE_COMPLETE", undefined, result.physicalId);
  } catch (error) {
    const reason = handlerMessage(error);
    journal.failed.set(logicalId, reason);
    // The provider may have applied part of the change: keep it as updated so rollback restores.
    journal.updated.set(logicalId, current);
    await op.setResource({ ...current, status: "UPDATE_FAILED", statusReason: reason });
    await op.event(logicalId, def.Type, "UPDATE_FAILED", reason, current.physicalId);
    throw error;
  }
}

/**
 * Runs `step` for each id once its dependencies have run, at most `parallel` at once. On the
 * first failure no new step starts; the running ones end; then the first error is thrown.
 */
export async function runInOrder(
  order: string[],
  dependencies: Map<string, Set<string>>,
  parallel: number,
  step: (id: string) => Promise<void>,
): Promise<void> {
  const members = new Set(order);
  const finished = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const pending = [...order];
  let failure: { error: unknown } | undefined;
  const ready = (id: string) =>
    [...(dependencies.get(id) ?? [])].every((d) => !members.has(d) || finished.has(d));
  while (failure === undefined && (pending.length > 0 || running.size > 0)) {
    while (running.size < Math.max(1, parallel)) {
      const index = pending.findIndex(ready);
      if (index === -1) break;
      const [id] = pending.splice(index, 1) as [string];
      running.set(
        id,
        step(id).then(
          () => {
            finished.add(id);
            running.delete(id);
          },
          (error: unknown) => {
            failure ??= { error };
            running.delete(id);
          },
        ),
      );
    }
    if (running.size === 0) {
      if (pending.length > 0)
        throw new Error(`Circular dependency between resources: [${pending.join(", ")}]`);
      break;
    }
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
  if (failure !== undefined) throw failure.error;
}

/** Logical ids of `states` in the order to delete them: dependents before what they depend on. */
export function deletionOrder(states: ResourceState[]): string[] {
  const ids = new Set(states.map((s) => s.logicalId));
  const graph = new Map<string, Set<string>>();
  for (const state of states) graph.set(state.logicalId, new Set(state.dependsOn.filter((d) => ids.has(d))));
  try {
    return dependencyOrder(graph).reverse();
  } catch {
    return states.map((s) => s.logicalId).reverse();
  }
}

/**
 * Deletes one resource (DeletionPolicy Retain keeps it: DELETE_SKIPPED). Returns false when the
 * provider failed (the event carries the reason).
 */
export async function deleteOne(
  op: OperationContext,
  state: ResourceState,
  retain: boolean,
  options: { keepRecord?: boolean } = {},
): Promise<boolean> {
  if (!state.physicalId) {
    if (!options.keepRecord) await op.removeResource(state.logicalId);
    return true;
  }
  if (retain) {
    await op.event(state.logicalId, state.type, "DELETE_SKIPPED", undefined, state.physicalId);
    if (!options.keepRecord) await op.removeResource(state.logicalId);
    return true;
  }
  const provider = op.providerFor(state.type);
  await op.event(state.logicalId, state.type, "DELETE_IN_PROGRESS", undefined, state.physicalId);
  try {
    if (provider)
      await provider.delete(op.provider, state.logicalId, {
        physicalId: state.physicalId,
        properties: appliedProperties(provider, state.properties),
        attributes: state.attributes,
      });
    await op.event(state.logicalId, state.type, "DELETE_COMPLETE", undefined, state.physicalId);
    if (!options.keepRecord) await op.removeResource(state.logicalId);
    return true;
  } catch (error) {
    const reason = handlerMessage(error);
    await op.event(state.logicalId, state.type, "DELETE_FAILED", reason, state.physicalId);
    if (!options.keepRecord && op.state.resources[state.logicalId]?.physicalId === state.physicalId)
      await op.setResource({ ...state, status: "DELETE_FAILED", statusReason: reason });
    return false;
  }
}
