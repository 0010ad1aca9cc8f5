import type { ResourceProvider } from "../../model.js";
import { aliasProvider } from "./alias-provider.js";
import { eventInvokeConfigProvider } from "./event-invoke-config-provider.js";
import { eventSourceMappingProvider } from "./event-source-mapping-provider.js";
import { functionProvider } from "./function-provider.js";
import { layerVersionPermissionProvider, layerVersionProvider } from "./layer-provider.js";
import { permissionProvider } from "./permission-provider.js";
import { urlProvider } from "./url-provider.js";
import { versionProvider } from "./version-provider.js";

/** The resource providers of the AWS::Lambda::* types Nimbus deploys. */
export function lambdaProviders(): ResourceProvider[] {
  return [
    functionProvider,
    versionProvider,
    aliasProvider,
    permissionProvider,
    eventInvokeConfigProvider,
    urlProvider,
    eventSourceMappingProvider,
    layerVersionProvider,
    layerVersionPermissionProvider,
  ];
}
