export {
  createWorkflows,
  type WorkflowLimits,
  type Workflows,
  type WorkflowsDeps,
} from "./create-workflows.js";
export { WORKFLOW_ERRORS } from "./errors.js";
