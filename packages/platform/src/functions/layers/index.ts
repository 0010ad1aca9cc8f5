export { checkUnzippedTotal, resolveFunctionLayers } from "./function-layers.js";
export { addLayerRoutes, type LayerApiDeps } from "./layer-api.js";
export { LAYER_ERRORS, layerError } from "./layer-errors.js";
export type { LayerStatement, LayerVersionRecord } from "./layer-model.js";
export {
  type LayerFilter,
  LayerService,
  type LayerSummary,
  type PublishLayerInput,
} from "./layer-service.js";
export { assembleOpt, mergeInto, optFolderName, optRootBeside } from "./opt-assembly.js";
