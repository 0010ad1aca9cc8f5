export { archiveOf, inlineArchive, zipOne } from "./function-code.js";
export { lambdaProviders } from "./lambda-providers.js";
