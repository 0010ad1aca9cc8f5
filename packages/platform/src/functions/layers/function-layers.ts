import type { AccountScope } from "../../core/arn.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { FunctionLayer } from "../function-model.js";
import { layerError } from "./layer-errors.js";
import {
  KIND_LAYER_VERSION,
  type LayerVersionRecord,
  layerVersionArn,
  layerVersionKey,
  MAX_FUNCTION_LAYERS,
  parseLayerArn,
} from "./layer-model.js";

/**
 * Resolves the `Layers` of CreateFunction / UpdateFunctionConfiguration into the layers a
 * function keeps, in the given (extraction) order. Refuses more than 5 layers, a layer version
 * that does not exist (in this account and region), and two versions of one layer, with AWS's
 * messages. The result is a copy: deleting a layer version later does not affect the function.
 */
export async function resolveFunctionLayers(
  store: MetadataStore,
  scope: AccountScope,
  arns: readonly string[],
): Promise<FunctionLayer[]> {
  if (arns.length > MAX_FUNCTION_LAYERS) {
    throw layerError.invalidReference(`Cannot reference more than ${MAX_FUNCTION_LAYERS} layers.`);
  }
  const seen = new Map<string, string>();
  const layers: FunctionLayer[] = [];
  for (const arn of arns) {
    const ref = parseLayerArn(arn);
    if (ref === undefined || ref.version === undefined) {
      throw layerError.invalidReference(`Layer version ${arn} does not exist.`);
    }
    if (ref.region !== scope.region) {
      throw layerError.invalidReference(
        `Layers are not in the same region as the function. Layers are expected to be in region ${scope.region}.`,
      );
    }
    // Nimbus is one account: a layer of another account cannot exist here.
    const doc =
      ref.accountId === scope.accountId
        ? await store.get<LayerVersionRecord>(KIND_LAYER_VERSION, layerVersionKey(ref.name, ref.version))
        : undefined;
    if (!doc) throw layerError.invalidReference(`Layer version ${arn} does not exist.`);
    const layer = `${ref.accountId}:${ref.name}`;
    const earlier = seen.get(layer);
    if (earlier !== undefined) {
      throw layerError.invalidReference(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${arn} are versions of the same layer.`,
      );
    }
    seen.set(layer, arn);
    layers.push({
      arn: layerVersionArn(scope, ref.name, ref.version),
      codeSizeBytes: doc.value.codeSizeBytes,
      codeKey: doc.value.codeKey,
      unzippedSizeBytes: doc.value.unzippedSizeBytes,
    });
  }
  return layers;
}

/**
 * AWS counts the unzipped size of a function's code and all its layers against one limit
 * (250 MB). Throws InvalidParameterValueException when they exceed `maxUnzippedBytes`.
 */
export function checkUnzippedTotal(
  codeUnzippedBytes: number,
  layers: readonly FunctionLayer[],
  maxUnzippedBytes: number,
): void {
  const total = layers.reduce((sum, layer) => sum + layer.unzippedSizeBytes, codeUnzippedBytes);
  if (total > maxUnzippedBytes) throw layerError.tooLarge(maxUnzippedBytes, total);
}
