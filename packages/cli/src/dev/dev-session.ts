import { statSync } from "node:fs";
import { dirname } from "node:path";
import { eventLine, outputsText } from "../commands/stacks/render.js";
import { CliError } from "../lib/cli-error.js";
import type { NimbusClients } from "../lib/clients.js";
import { describeError } from "../lib/clients.js";
import { deployStack } from "../lib/deploy-stack.js";
import { readTemplateFile } from "../lib/template-file.js";
import {
  isInside,
  type LocalArtifact,
  localArtifacts,
  planChanges,
  type WatchRoot,
  watchRoots,
} from "./code-map.js";
import { reloadFunctions } from "./code-reloader.js";
import { type ChangeBatch, FolderWatcher } from "./folder-watcher.js";
import { LogStreamer } from "./log-streamer.js";
import { describeStackInfo, type StackFunction, stackInfoText } from "./stack-info.js";

const DEPLOY_POLL_MS = 100;

/** Where `nimbus dev` writes: results on stdout, progress and errors on stderr. */
export interface DevOutput {
  line(text: string): void;
  progress(text: string): void;
  error(text: string): void;
}

export interface DevSessionOptions {
  clients: NimbusClients;
  templatePath: string;
  stackName: string;
  parameters: Record<string, string>;
  /** Stream the functions' logs (default on). */
  logs: boolean;
  /** The embedded server's data directory: never watched. */
  dataDir?: string | undefined;
  out: DevOutput;
}

/**
 * The developer loop: deploys the template, watches the template and every local folder it
 * packages, reloads changed function code in place (UpdateFunctionCode) or redeploys the stack
 * (template, layers, definitions), and streams the functions' logs. One action runs at a time;
 * changes seen meanwhile are merged and handled next. Errors are printed and the loop goes on.
 */
export class DevSession {
  private artifacts: LocalArtifact[] = [];
  private functions = new Map<string, StackFunction>();
  private watcher: FolderWatcher | undefined;
  private rootsKey = "";
  private pending: ChangeBatch | undefined;
  private busy: Promise<void> | undefined;
  private closed = false;
  private readonly warned = new Set<string>();
  private readonly logStreamer: LogStreamer | undefined;

  constructor(private readonly options: DevSessionOptions) {
    if (options.logs) {
      this.logStreamer = new LogStreamer(options.clients, {
        since: Date.now(),
        print: (label, message) => options.out.line(`[${label}] ${message}`),
        onError: (error) => options.out.error(`logs: ${errorText(error)}`),
      });
    }
  }

  /** Deploys once, then watches and streams logs until `close()`. */
  async start(): Promise<void> {
    this.busy = this.deploy("first deploy");
    await this.busy;
    this.busy = undefined;
    this.logStreamer?.start();
    this.drain();
  }

  /** Resolves once the action in flight (if any) has ended; nothing new starts after this. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    await this.logStreamer?.stop();
    await this.busy?.catch(() => {});
  }

  private onBatch(batch: ChangeBatch): void {
    if (this.closed) return;
    if (this.pending) {
      for (const path of batch.paths) this.pending.paths.add(path);
      this.pending.firstAt = Math.min(this.pending.firstAt, batch.firstAt);
    } else {
      this.pending = batch;
    }
    this.drain();
  }

  private drain(): void {
    if (this.busy || !this.pending || this.closed) return;
    const batch = this.pending;
    this.pending = undefined;
    this.busy = this.handle(batch)
      .catch((error: unknown) => this.options.out.error(`error: ${errorText(error)}`))
      .finally(() => {
        this.busy = undefined;
        this.drain();
      });
  }

  private async handle(batch: ChangeBatch): Promise<void> {
    const plan = planChanges(batch.paths, this.artifacts, this.options.templatePath);
    if (plan.deploy) return this.deploy(plan.reason ?? "a change");
    if (plan.reload.length === 0) return;
    const targets = [];
    for (const logicalId of plan.reload) {
      const fn = this.functions.get(logicalId);
      const artifact = this.artifacts.find((a) => a.logicalId === logicalId && a.onChange === "reload");
      // Not deployed yet (the last deploy failed before it): a deploy creates it with this code.
      if (!fn || !artifact) return this.deploy(`${logicalId} is not deployed yet`);
      if (!isDirectory(artifact.path)) {
        // Removed by a build that writes it anew: the folder's return is a change of its own.
        this.options.out.progress(`${logicalId}: ${artifact.path} is gone; reloading when it is back`);
        continue;
      }
      targets.push({ logicalId, functionName: fn.name, folder: artifact.path });
    }
    if (targets.length === 0) return;
    const results = await reloadFunctions(this.options.clients, targets);
    const ms = Math.round(performance.now() - batch.firstAt);
    for (const r of results) {
      if (r.ok) this.options.out.line(`reloaded ${r.logicalId} in ${ms} ms`);
      else this.options.out.error(`reload of ${r.logicalId} failed: ${r.error ?? "unknown error"}`);
    }
  }

  /** A full deploy of the template as it is on disk now; then the watch list follows the template. */
  private async deploy(reason: string): Promise<void> {
    const { out, templatePath } = this.options;
    const started = performance.now();
    let template: Awaited<ReturnType<typeof readTemplateFile>>;
    try {
      template = await readTemplateFile(templatePath);
    } catch (error) {
      out.error(`error: ${errorText(error)}`);
      out.error("Fix the template; nimbus dev deploys it when it changes.");
      this.watch(); // at least the template is watched, even before a first good parse
      return;
    }
    this.artifacts = localArtifacts(template, dirname(templatePath), isDirectory);
    this.warnDataDirInCode();
    this.watch();
    out.progress(`Deploying stack ${this.options.stackName} (${reason})...`);
    try {
      const result = await deployStack({
        clients: this.options.clients,
        templatePath,
        template: structuredClone(template),
        stackName: this.options.stackName,
        parameters: this.options.parameters,
        // A local server: poll the change set and the stack often, so a deploy ends when it is done.
        pollMs: DEPLOY_POLL_MS,
        onProgress: (line) => out.progress(line),
        onEvent: (event) => out.progress(eventLine(event)),
      });
      const ms = Math.round(performance.now() - started);
      if (result.status === "NO_CHANGES") out.line(`No changes: stack ${result.stackName} is up to date.`);
      else if (result.ok) out.line(`Deployed stack ${result.stackName} (${result.status}) in ${ms} ms`);
      else {
        out.error(`Deploy failed (${result.status}): ${result.reason ?? ""}`);
        for (const f of result.failures)
          out.error(`  ${f.logicalId} (${f.resourceType}): ${f.reason ?? f.status}`);
      }
      const outputs = outputsText(result);
      if (outputs) out.line(outputs);
    } catch (error) {
      out.error(`Deploy failed: ${errorText(error)}`);
    }
    await this.refreshStackInfo();
  }

  private async refreshStackInfo(): Promise<void> {
    try {
      const info = await describeStackInfo(this.options.clients, this.options.stackName);
      this.functions = new Map(info.functions.map((f) => [f.logicalId, f]));
      this.logStreamer?.setSources(info.functions.map((f) => ({ label: f.logicalId, logGroup: f.logGroup })));
      const text = stackInfoText(info);
      if (text) this.options.out.line(text);
    } catch (error) {
      // No stack (its creation failed and rolled back): nothing deployed to reload or follow.
      this.functions.clear();
      this.logStreamer?.setSources([]);
      if (!/does not exist/i.test(errorText(error))) this.options.out.error(`error: ${errorText(error)}`);
    }
  }

  /** A data directory inside a code folder would be zipped with the code (by deploys too). */
  private warnDataDirInCode(): void {
    const { dataDir } = this.options;
    if (!dataDir) return;
    for (const a of this.artifacts) {
      if (!a.isDir || !isInside(dataDir, a.path) || this.warned.has(a.path)) continue;
      this.warned.add(a.path);
      this.options.out.error(
        `WARNING: the data directory ${dataDir} is inside ${a.path} (${a.logicalId}.${a.property}): it is packaged with that code. Give it its own CodeUri folder, or start dev with --data-dir outside it.`,
      );
    }
  }

  /** (Re)starts the watcher when the set of folders changed. */
  private watch(): void {
    if (this.closed) return;
    const roots: WatchRoot[] = watchRoots(this.artifacts, this.options.templatePath);
    const key = JSON.stringify(roots);
    if (key === this.rootsKey && this.watcher) return;
    this.watcher?.close();
    this.rootsKey = key;
    this.watcher = new FolderWatcher(roots, {
      dataDir: this.options.dataDir,
      onBatch: (batch) => this.onBatch(batch),
      onError: (error, root) => this.options.out.error(`watch ${root.dir}: ${error.message}`),
    });
    const folders = roots.map((r) => r.dir);
    this.options.out.progress(`Watching ${folders.length} folder(s): ${folders.join(", ")}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** An error as one line: the CLI's own errors by their message, the SDK's with their name. */
function errorText(error: unknown): string {
  return error instanceof CliError ? error.message : describeError(error);
}
