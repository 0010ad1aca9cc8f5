/** The runtime identifiers Nimbus runs, and how. */
export type RuntimeFamily = "node" | "python" | "provided";

export interface RuntimeInfo {
  id: string;
  family: RuntimeFamily;
  /** Major (and minor for Python) version the identifier names, e.g. "20" or "3.12". */
  languageVersion: string | undefined;
}

const NODE = ["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"];
const PYTHON = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"];
const PROVIDED = ["provided.al2", "provided.al2023", "provided"];

/** Every runtime id AWS accepts today; the ones outside the families above are refused by name. */
export const AWS_RUNTIME_IDS = [
  ...NODE,
  ...PYTHON,
  ...PROVIDED,
  "java8.al2",
  "java11",
  "java17",
  "java21",
  "java25",
  "dotnet8",
  "dotnet10",
  "ruby3.2",
  "ruby3.3",
  "ruby3.4",
  "ruby4.0",
];

export function runtimeInfo(id: string): RuntimeInfo | undefined {
  if (NODE.includes(id)) return { id, family: "node", languageVersion: id.slice(6, -2) };
  if (PYTHON.includes(id)) return { id, family: "python", languageVersion: id.slice(6) };
  if (PROVIDED.includes(id)) return { id, family: "provided", languageVersion: undefined };
  return undefined;
}
