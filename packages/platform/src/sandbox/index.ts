export { BubblewrapDriver } from "./bubblewrap-driver.js";
export { type CgroupManager, detectCgroups } from "./cgroups.js";
export { type EnvironmentOutcome, ExecutionEnvironment } from "./environment.js";
export { EnvironmentPool } from "./environment-pool.js";
export {
  findNode,
  findPython,
  type Interpreter,
  type InterpreterLookup,
  precompilePython,
} from "./interpreters.js";
export { ProcessDriver } from "./process-driver.js";
export type { ResponseStreamSink } from "./runtime-channel.js";
export { runtimeSdkEntries } from "./runtime-sdk.js";
export type { SandboxDriver, SandboxLayout, SandboxProcess, SandboxSpec } from "./sandbox-driver.js";
export { type DriverSelection, selectDriver } from "./select-driver.js";
