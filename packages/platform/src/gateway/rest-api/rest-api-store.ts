import { randomBytes } from "node:crypto";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { notFound } from "./errors.js";
import type { ApiKeyDoc, DeploymentDoc, RestApiDoc, StageDoc, UsagePlanDoc } from "./model.js";

const KIND = {
  api: "apigw-restapi",
  deployment: "apigw-deployment",
  stage: "apigw-stage",
  apiKey: "apigw-apikey",
  apiKeyValue: "apigw-apikey-value",
  usagePlan: "apigw-usageplan",
} as const;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** An API Gateway id: 10 lowercase alphanumerics. */
export function newGatewayId(): string {
  return [...randomBytes(10)].map((b) => ALPHABET[b % ALPHABET.length]).join("");
}

/**
 * Persistence of REST APIs, their deployments and stages, API keys and usage plans in the
 * MetadataStore. An API with its resources, methods and authorizers is one document, so every
 * change to it is one atomic write guarded by the revision that was read.
 */
export class RestApiStore {
  constructor(private readonly store: MetadataStore) {}

  async api(id: string): Promise<{ doc: RestApiDoc; revision: number }> {
    const found = await this.store.get<RestApiDoc>(KIND.api, id);
    if (!found) throw notFound("Invalid API identifier specified");
    return { doc: found.value, revision: found.revision };
  }

  async findApi(id: string): Promise<RestApiDoc | undefined> {
    return (await this.store.get<RestApiDoc>(KIND.api, id))?.value;
  }

  async apis(): Promise<RestApiDoc[]> {
    return this.all<RestApiDoc>(KIND.api);
  }

  async putApi(doc: RestApiDoc, revision: number | "absent"): Promise<void> {
    await this.store.write([
      { op: "put", kind: KIND.api, key: doc.id, value: doc, expectRevision: revision },
    ]);
  }

  /** Deletes an API with its deployments and stages in one write. */
  async deleteApi(id: string): Promise<void> {
    const deployments = await this.store.list(KIND.deployment, { prefix: `${id}/` });
    const stages = await this.store.list(KIND.stage, { prefix: `${id}/` });
    await this.store.write([
      { op: "delete", kind: KIND.api, key: id },
      ...deployments.items.map((d) => ({ op: "delete" as const, kind: KIND.deployment, key: d.key })),
      ...stages.items.map((s) => ({ op: "delete" as const, kind: KIND.stage, key: s.key })),
    ]);
  }

  async deployment(apiId: string, id: string): Promise<DeploymentDoc | undefined> {
    return (await this.store.get<DeploymentDoc>(KIND.deployment, `${apiId}/${id}`))?.value;
  }

  async deployments(apiId: string): Promise<DeploymentDoc[]> {
    return this.all<DeploymentDoc>(KIND.deployment, `${apiId}/`);
  }

  async deleteDeployment(apiId: string, id: string): Promise<void> {
    await this.store.write([{ op: "delete", kind: KIND.deployment, key: `${apiId}/${id}` }]);
  }

  async stage(apiId: string, name: string): Promise<{ doc: StageDoc; revision: number } | undefined> {
    const found = await this.store.get<StageDoc>(KIND.stage, `${apiId}/${name}`);
    return found && { doc: found.value, revision: found.revision };
  }

  async stages(apiId: string): Promise<StageDoc[]> {
    return this.all<StageDoc>(KIND.stage, `${apiId}/`);
  }

  /** Writes a deployment and, when given, a stage in one atomic write. */
  async putDeploymentAndStage(
    deployment: DeploymentDoc | undefined,
    stage: { doc: StageDoc; revision: number | "absent" } | undefined,
  ): Promise<void> {
    await this.store.write([
      ...(deployment
        ? [
            {
              op: "put" as const,
              kind: KIND.deployment,
              key: `${deployment.restApiId}/${deployment.id}`,
              value: deployment,
            },
          ]
        : []),
      ...(stage
        ? [
            {
              op: "put" as const,
              kind: KIND.stage,
              key: `${stage.doc.restApiId}/${stage.doc.stageName}`,
              value: stage.doc,
              expectRevision: stage.revision,
            },
          ]
        : []),
    ]);
  }

  async deleteStage(apiId: string, name: string): Promise<void> {
    await this.store.write([{ op: "delete", kind: KIND.stage, key: `${apiId}/${name}` }]);
  }

  async apiKey(id: string): Promise<ApiKeyDoc | undefined> {
    return (await this.store.get<ApiKeyDoc>(KIND.apiKey, id))?.value;
  }

  async apiKeyByValue(value: string): Promise<ApiKeyDoc | undefined> {
    const id = (await this.store.get<string>(KIND.apiKeyValue, value))?.value;
    return id === undefined ? undefined : this.apiKey(id);
  }

  async apiKeys(): Promise<ApiKeyDoc[]> {
    return this.all<ApiKeyDoc>(KIND.apiKey);
  }

  async putApiKey(doc: ApiKeyDoc, created: boolean): Promise<void> {
    await this.store.write([
      { op: "put", kind: KIND.apiKey, key: doc.id, value: doc },
      ...(created
        ? [
            {
              op: "put" as const,
              kind: KIND.apiKeyValue,
              key: doc.value,
              value: doc.id,
              expectRevision: "absent" as const,
            },
          ]
        : []),
    ]);
  }

  async deleteApiKey(doc: ApiKeyDoc): Promise<void> {
    await this.store.write([
      { op: "delete", kind: KIND.apiKey, key: doc.id },
      { op: "delete", kind: KIND.apiKeyValue, key: doc.value },
    ]);
  }

  async usagePlan(id: string): Promise<{ doc: UsagePlanDoc; revision: number } | undefined> {
    const found = await this.store.get<UsagePlanDoc>(KIND.usagePlan, id);
    return found && { doc: found.value, revision: found.revision };
  }

  async usagePlans(): Promise<UsagePlanDoc[]> {
    return this.all<UsagePlanDoc>(KIND.usagePlan);
  }

  async putUsagePlan(doc: UsagePlanDoc, revision: number | "absent"): Promise<void> {
    await this.store.write([
      { op: "put", kind: KIND.usagePlan, key: doc.id, value: doc, expectRevision: revision },
    ]);
  }

  async deleteUsagePlan(id: string): Promise<void> {
    await this.store.write([{ op: "delete", kind: KIND.usagePlan, key: id }]);
  }

  private async all<T>(kind: string, prefix?: string): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list<T>(kind, {
        ...(prefix !== undefined ? { prefix } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      for (const item of page.items) out.push(item.value);
      after = page.nextAfter;
    } while (after !== undefined);
    return out;
  }
}
