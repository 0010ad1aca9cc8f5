export { apiGatewayV2Providers } from "./api-gateway-v2-providers.js";
