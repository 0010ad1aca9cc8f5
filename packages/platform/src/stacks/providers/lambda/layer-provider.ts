import type { ResourceProvider } from "../../model.js";
import { archiveOf } from "./function-code.js";
import { ignoreGone, invalid, obj, requiredStr, str, strList } from "./provider-support.js";

const LAYER = "AWS::Lambda::LayerVersion";
const LAYER_PROPERTIES = [
  "Content",
  "LayerName",
  "Description",
  "CompatibleRuntimes",
  "CompatibleArchitectures",
  "LicenseInfo",
] as const;
const LAYERS = "/2018-10-31/layers";

/**
 * AWS::Lambda::LayerVersion: PublishLayerVersion with the archive read from Nimbus's bucket;
 * any change publishes a new version (replacement). Ref is the LayerVersionArn.
 */
export const layerVersionProvider: ResourceProvider = {
  type: LAYER,
  properties: LAYER_PROPERTIES,
  required: ["Content"],
  replaceOn: LAYER_PROPERTIES,

  async create(ctx, logicalId, props) {
    const name = str(props, "LayerName", LAYER) ?? ctx.physicalName(logicalId, { maxLength: 140 });
    const zip = await archiveOf(ctx, LAYER, "Content", obj(props, "Content", LAYER), undefined);
    const description = str(props, "Description", LAYER);
    const runtimes = strList(props, "CompatibleRuntimes", LAYER);
    const architectures = strList(props, "CompatibleArchitectures", LAYER);
    const license = str(props, "LicenseInfo", LAYER);
    const published = await ctx.api.rest<{ LayerVersionArn: string }>(
      "lambda",
      "POST",
      `${LAYERS}/${encodeURIComponent(name)}/versions`,
      {
        Content: { ZipFile: zip },
        ...(description === undefined ? {} : { Description: description }),
        ...(runtimes === undefined ? {} : { CompatibleRuntimes: runtimes }),
        ...(architectures === undefined ? {} : { CompatibleArchitectures: architectures }),
        ...(license === undefined ? {} : { LicenseInfo: license }),
      },
    );
    return {
      physicalId: published.LayerVersionArn,
      attributes: { LayerVersionArn: published.LayerVersionArn },
    };
  },

  async update(ctx, logicalId, _current, props) {
    return this.create(ctx, logicalId, props);
  },

  async delete(ctx, _logicalId, current) {
    const { name, version } = layerVersion(current.physicalId);
    await ignoreGone(() =>
      ctx.api.rest("lambda", "DELETE", `${LAYERS}/${encodeURIComponent(name)}/versions/${version}`),
    );
  },
};

const PERMISSION = "AWS::Lambda::LayerVersionPermission";
const PERMISSION_PROPERTIES = ["Action", "LayerVersionArn", "Principal", "OrganizationId"] as const;

/**
 * AWS::Lambda::LayerVersionPermission: AddLayerVersionPermission with a generated statement id;
 * any change replaces. Physical id `<LayerVersionArn>#<StatementId>`.
 */
export const layerVersionPermissionProvider: ResourceProvider = {
  type: PERMISSION,
  properties: PERMISSION_PROPERTIES,
  required: ["Action", "LayerVersionArn", "Principal"],
  replaceOn: PERMISSION_PROPERTIES,

  async create(ctx, logicalId, props) {
    const arn = requiredStr(props, "LayerVersionArn", PERMISSION);
    const { name, version } = layerVersion(arn);
    const statementId = ctx.physicalName(logicalId, { maxLength: 100 });
    const organizationId = str(props, "OrganizationId", PERMISSION);
    await ctx.api.rest("lambda", "POST", `${LAYERS}/${encodeURIComponent(name)}/versions/${version}/policy`, {
      StatementId: statementId,
      Action: requiredStr(props, "Action", PERMISSION),
      Principal: requiredStr(props, "Principal", PERMISSION),
      ...(organizationId === undefined ? {} : { OrganizationId: organizationId }),
    });
    return { physicalId: `${arn}#${statementId}`, attributes: {} };
  },

  async update(ctx, logicalId, _current, props) {
    return this.create(ctx, logicalId, props);
  },

  async delete(ctx, _logicalId, current) {
    const cut = current.physicalId.lastIndexOf("#");
    const { name, version } = layerVersion(current.physicalId.slice(0, cut));
    const sid = current.physicalId.slice(cut + 1);
    await ignoreGone(() =>
      ctx.api.rest(
        "lambda",
        "DELETE",
        `${LAYERS}/${encodeURIComponent(name)}/versions/${version}/policy/${encodeURIComponent(sid)}`,
      ),
    );
  },
};

/** `arn:aws:lambda:<region>:<account>:layer:<name>:<version>` -> name and version. */
function layerVersion(arn: string): { name: string; version: string } {
  const m = /^arn:[^:]+:lambda:[^:]*:\d{12}:layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(arn);
  if (!m?.[1] || !m[2]) throw invalid(PERMISSION, "LayerVersionArn", `is not a layer version ARN: ${arn}`);
  return { name: m[1], version: m[2] };
}
