export { apiGatewayProviders } from "./api-gateway-providers.js";
