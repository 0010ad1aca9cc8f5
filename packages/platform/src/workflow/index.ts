export {
  createWorkflows,
  type WorkflowLimits,
  type Workflows,
  type WorkflowsDeps,
} from "./create-workflows.js";
export { WORKFLOW_ERRORS } from "./errors.js";
export type {
  ServiceIntegrationPorts,
  ServiceResponse,
} from "./executions/service-integrations.js";
export { type ServiceApis, servicePortsFromApis } from "./executions/service-ports.js";
