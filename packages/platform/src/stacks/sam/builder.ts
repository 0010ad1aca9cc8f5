import type { ResourceDefinition, TemplateValue } from "../model.js";
import { SamResourceError } from "./errors.js";
import type { HttpApiEvent, RestApiEvent, SamContext, Unsupported } from "./types.js";
import { alphanumeric, isObject, literalString } from "./util.js";

/** The state of one transform run: the output resources, what is unsupported, API events. */
export class SamBuild {
  /** The output template's resources (non-SAM resources are copied in first). */
  readonly resources: Record<string, ResourceDefinition> = {};
  readonly unsupported: Unsupported[] = [];
  /** Api events by the logical id of the REST API they go to. */
  readonly restEvents = new Map<string, RestApiEvent[]>();
  /** HttpApi events by the logical id of the HTTP API they go to. */
  readonly httpEvents = new Map<string, HttpApiEvent[]>();
  /** Logical ids SAM adds a shared resource for once (CodeDeploy application and role). */
  readonly shared = new Set<string>();
  /**
   * Logical ids to rewrite in the output: SAM's hashed layer ids (`MyLayer` -> `MyLayer<hash>`)
   * and its referable properties (`MyFunction.Alias`, `MyApi.Stage`, ... -> the generated id).
   */
  readonly renames = new Map<string, string>();
  /** Conditions SAM generates (`NOT<condition><hash>`, `<a>AND<b><hash>`), added to the output's Conditions. */
  readonly conditions: Record<string, TemplateValue> = {};

  constructor(
    readonly ctx: SamContext,
    /** The input template's resources after Globals (SAM resources not yet expanded). */
    readonly input: Record<string, ResourceDefinition>,
  ) {}

  /** Adds a generated resource; two resources with one logical id is a template error, as in SAM. */
  add(logicalId: string, resource: ResourceDefinition, owner: string): void {
    if (
      Object.hasOwn(this.resources, logicalId) ||
      (logicalId !== owner && this.isOtherInput(logicalId, owner))
    ) {
      throw new SamResourceError(
        owner,
        `Generated logical id [${logicalId}] collides with another resource of the template.`,
      );
    }
    this.resources[logicalId] = resource;
  }

  private isOtherInput(logicalId: string, owner: string): boolean {
    return logicalId !== owner && Object.hasOwn(this.input, logicalId);
  }

  unsupportedProperty(logicalId: string, type: string, property: string, reason: string): void {
    this.unsupported.push({ logicalId, type, property, reason });
  }

  /** Lists every property of `properties` not in `known` as unsupported. */
  checkProperties(
    logicalId: string,
    type: string,
    properties: Record<string, TemplateValue>,
    known: ReadonlySet<string>,
    prefix = "",
  ): void {
    for (const key of Object.keys(properties)) {
      if (!known.has(key)) {
        this.unsupportedProperty(
          logicalId,
          type,
          prefix + key,
          "property not supported by the Nimbus SAM transform",
        );
      }
    }
  }

  /**
   * The stage suffix SAM puts on the permission of an Api event (`<Fn><Event>Permission<Suffix>`):
   * `Prod` for the implicit API, else the explicit API's StageName without non-alphanumerics
   * (`Stage` when it is not a literal).
   */
  restStageSuffix(apiId: string): string {
    const api = this.input[apiId];
    if (apiId === "ServerlessRestApi" || api === undefined) return "Prod";
    const stage = isObject(api.Properties) ? api.Properties.StageName : undefined;
    try {
      const literal = literalString(stage, this.ctx.parameters, apiId, "StageName");
      return literal === undefined ? "Stage" : alphanumeric(literal);
    } catch {
      return "Stage";
    }
  }
}
