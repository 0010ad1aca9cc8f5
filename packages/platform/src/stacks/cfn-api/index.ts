export { CLOUDFORMATION_XML_NAMESPACE, createCloudFormationApi, STRICT_HEADER } from "./operations.js";
