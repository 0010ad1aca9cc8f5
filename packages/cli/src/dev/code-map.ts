import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ARTIFACT_RULES } from "../lib/package-template.js";
import type { TemplateJson } from "../lib/template-file.js";

/** Resource types whose local code `nimbus dev` reloads in place with UpdateFunctionCode. */
const FUNCTION_RULES = new Set(["AWS::Serverless::Function CodeUri", "AWS::Lambda::Function Code"]);

/** Folders never watched for changes (dependencies, version control, Nimbus's data). */
export const IGNORED_SEGMENTS = new Set(["node_modules", ".git", ".nimbus"]);

/** One local path the template packages (the same list `nimbus deploy` packages). */
export interface LocalArtifact {
  logicalId: string;
  resourceType: string;
  property: string;
  /** Absolute path of the folder or file. */
  path: string;
  isDir: boolean;
  /**
   * `reload`: a function's code folder, updated in place (UpdateFunctionCode). `deploy`: anything
   * else (layers, definitions, archives, functions that publish versions): a change redeploys the stack.
   */
  onChange: "reload" | "deploy";
  /** Why a function's change takes a full deploy, when it does. */
  deployReason?: string;
}

/** A folder (or a template's folder) to watch, and whether its subfolders are watched too. */
export interface WatchRoot {
  dir: string;
  recursive: boolean;
}

/** What a batch of changed paths asks for. */
export interface ChangePlan {
  /** The template changed, or an artifact that needs a deploy: redeploy the whole stack. */
  deploy: boolean;
  /** Why (the first reason), for the message. */
  reason?: string;
  /** Function code folders changed (logical ids), reloadable in place; empty when `deploy`. */
  reload: string[];
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isLocalPath(value: string): boolean {
  return value !== "" && !/^(s3|https?):\/\//i.test(value);
}

/**
 * The template's local artifacts, read with the packaging rules of `nimbus deploy`
 * (lib/package-template.ts): a SAM function's CodeUri (its own, else Globals.Function.CodeUri,
 * else the template's folder), layers' ContentUri, state machines' and APIs' definitions, and
 * the plain Lambda / Step Functions / API Gateway equivalents. `isDirectory` says whether a path
 * is a folder (the caller stats the disk; tests pass a table).
 */
export function localArtifacts(
  template: TemplateJson,
  templateDir: string,
  isDirectory: (path: string) => boolean,
): LocalArtifact[] {
  const globalsFn = asObject(asObject(template.Globals)?.Function);
  const globalCodeUri = globalsFn?.CodeUri;
  const globalAlias = globalsFn?.AutoPublishAlias;
  const out: LocalArtifact[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const res = asObject(resource);
    if (!res || typeof res.Type !== "string") continue;
    const props = asObject(res.Properties) ?? {};
    for (const rule of ARTIFACT_RULES) {
      if (rule.type !== res.Type) continue;
      let value = props[rule.property];
      if (value === undefined || value === null) {
        if (rule.type !== "AWS::Serverless::Function") continue;
        if (props.InlineCode !== undefined || props.ImageUri !== undefined) continue;
        if (props.PackageType === "Image") continue;
        value = globalCodeUri ?? ".";
      }
      if (typeof value !== "string" || !isLocalPath(value)) continue;
      const path = isAbsolute(value) ? value : resolve(templateDir, value);
      const isDir = isDirectory(path);
      const artifact: LocalArtifact = {
        logicalId,
        resourceType: res.Type,
        property: rule.property,
        path,
        isDir,
        onChange: "deploy",
      };
      if (FUNCTION_RULES.has(`${rule.type} ${rule.property}`)) {
        const alias = props.AutoPublishAlias ?? globalAlias;
        if (!isDir) {
          artifact.deployReason = `${logicalId}'s code is a file (${value}), packaged by a deploy`;
        } else if (alias !== undefined && rule.type === "AWS::Serverless::Function") {
          // The alias must move to a new published version (and DeploymentPreference may shift
          // traffic gradually); only the stack deploy does that. UpdateFunctionCode alone would
          // change $LATEST while the alias (and the routes on it) kept serving the old version.
          artifact.deployReason = `${logicalId} publishes versions (AutoPublishAlias)`;
        } else {
          artifact.onChange = "reload";
        }
      }
      out.push(artifact);
    }
  }
  return out;
}

/**
 * The folders to watch: each artifact folder recursively, the folder of each file artifact and of
 * the template without subfolders; a folder already inside a recursive one is not watched twice.
 */
export function watchRoots(artifacts: LocalArtifact[], templatePath: string): WatchRoot[] {
  const deep = [...new Set(artifacts.filter((a) => a.isDir).map((a) => a.path))];
  const recursive = deep.filter((dir) => !deep.some((other) => other !== dir && isInside(dir, other)));
  const flat = [
    ...new Set([dirname(templatePath), ...artifacts.filter((a) => !a.isDir).map((a) => dirname(a.path))]),
  ].filter((dir) => !recursive.some((r) => isInside(dir, r)));
  return [
    ...recursive.map((dir) => ({ dir, recursive: true })),
    ...flat.map((dir) => ({ dir, recursive: false })),
  ];
}

/** `path` is `dir` or inside it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** A changed path under an ignored folder (node_modules, .git, .nimbus) or the data directory. */
export function isIgnored(path: string, root: string, dataDir?: string): boolean {
  if (dataDir && isInside(path, dataDir)) return true;
  const rel = relative(root, path);
  return rel.split(sep).some((segment) => IGNORED_SEGMENTS.has(segment));
}

/**
 * What the changed paths ask for: a full deploy when the template or a `deploy` artifact changed,
 * else an in-place reload of every function whose code folder holds a changed path.
 */
export function planChanges(
  changed: Iterable<string>,
  artifacts: LocalArtifact[],
  templatePath: string,
): ChangePlan {
  const reload = new Set<string>();
  let reason: string | undefined;
  for (const path of changed) {
    if (path === templatePath) {
      reason ??= "the template changed";
      continue;
    }
    for (const a of artifacts) {
      const hit = a.isDir ? isInside(path, a.path) : path === a.path;
      if (!hit) continue;
      if (a.onChange === "reload") reload.add(a.logicalId);
      else reason ??= a.deployReason ?? `${a.logicalId}.${a.property} changed`;
    }
  }
  if (reason !== undefined) return { deploy: true, reason, reload: [] };
  return { deploy: false, reload: [...reload].sort() };
}
