export { addAliasRoutes } from "./alias-api.js";
export type { AliasRecord } from "./alias-model.js";
export { type AliasInput, AliasService } from "./alias-service.js";
export { CodeStore, type IngestedCode } from "./code-store.js";
export { addConcurrencyRoutes } from "./concurrency-api.js";
export { FUNCTIONS_ERRORS, functionsError } from "./errors.js";
export { type FunctionConfig, type FunctionLayer, type FunctionRecord, layersOf } from "./function-model.js";
export {
  type CreateFunctionInput,
  DEFAULT_FUNCTION_SETTINGS,
  FunctionService,
  type FunctionSettings,
  type ResolvedFunction,
} from "./function-service.js";
export {
  addFunctionUrlRoutes,
  FUNCTION_URL_API_PREFIX,
  type FunctionUrlApiDeps,
} from "./function-url-api.js";
export {
  type CreateFunctionUrlInput,
  type FunctionUrlAuthType,
  type FunctionUrlConfig,
  type FunctionUrlCors,
  FunctionUrlService,
  functionUrlFor,
  functionUrlHost,
  type UpdateFunctionUrlInput,
} from "./function-url-service.js";
export { addLambdaControlRoutes, type LambdaApiDeps } from "./lambda-api.js";
export {
  addLayerRoutes,
  assembleOpt,
  LAYER_ERRORS,
  type LayerApiDeps,
  LayerService,
  type LayerVersionRecord,
  mergeInto,
} from "./layers/index.js";
export { addPermissionRoutes } from "./permission-api.js";
export { PERMISSION_ERRORS, type PermissionStatement } from "./permission-policy.js";
export { PermissionService } from "./permission-service.js";
export { type ReservationLimits, Reservations } from "./reservations.js";
export { AWS_RUNTIME_IDS, type RuntimeFamily, type RuntimeInfo, runtimeInfo } from "./runtimes.js";
