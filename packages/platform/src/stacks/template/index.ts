export { cidr } from "./cidr.js";
export { evaluateConditions } from "./conditions.js";
export { dependencyOrder, resourceDependencies } from "./dependencies.js";
export { TEMPLATE_ERRORS, templateError } from "./errors.js";
export { type EvaluatedOutput, evaluateOutputs } from "./outputs.js";
export {
  displayedParameters,
  type ParameterKind,
  type ParameterValue,
  parameterKind,
  resolveParameters,
} from "./parameters.js";
export { parseTemplate, templateToJson } from "./parse.js";
export { isPseudoParameter, PSEUDO_PARAMETERS, type PseudoParameters } from "./pseudo.js";
export { Resolver, type ResolverContext } from "./resolver.js";
export { FUNCTIONS, SAM_TRANSFORM, transforms } from "./structure.js";
export { parseSub, type SubPart, subVariables } from "./sub.js";
export { containsUnresolved, intrinsicName, UNRESOLVED } from "./values.js";
