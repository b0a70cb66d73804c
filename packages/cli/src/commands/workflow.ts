import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ExitCode, StorageManager, VmforgeError, remoteSysfsRefusal, writeFileAtomic, type PluginManifest, type RunReport, type UiEnvelope, type WorkflowRequest } from "@vmforge/kernel";
import { errorJson, withFollowUp } from "../error-output.js";
import { writeFailure } from "../fs-faults.js";
import { globalOptionSpec, parseCommand, type GlobalOptions } from "../options.js";
import { checkOutputDir } from "../out-dir.js";
import { requestOwnersCheck, tableOwners } from "../request-owners.js";
import { setAsidePluginFlags, pluginFlagValues } from "../plugin-flags.js";
import { createRuntime, type Io } from "../runtime.js";
import { stopRunOnSignals } from "../stop-signals.js";
import type { Palette } from "../render/colors.js";
import { visibleLine } from "../render/visible.js";
import { printJson, type Command } from "./command.js";

const workflowOptions = {
  out: { type: "string", short: "o" },
  with: { type: "string", multiple: true },
  "bind-vfio": { type: "boolean", default: false },
} as const;
const BUILT_IN_OPTIONS = new Set([...Object.keys(workflowOptions), ...Object.keys(globalOptionSpec)]);

function workflowCommand(name: "plan" | "apply"): Command {
  const dryRun = name === "plan";
  return {
    name,
    summary: dryRun ? "compute everything for a VM; change nothing on the host" : "set the VM up for real",
    usage: `vmforge ${name} CONFIG [--out DIR] [--with STAGE]...${dryRun ? "" : " [--bind-vfio]"} [plugin flags, e.g. --wait]`,
    help: dryRun
      ? `Runs every stage in dry run: the host is read, the request validated, the VM defined, and every
change that apply would make is recorded and printed instead (plan.json). With --out DIR the
artifacts (vm-definition.json, qemu-command.json, launch.sh, domain.xml, cloud-init/, seed.iso,
plan.json) are written into DIR and nowhere else, a plugin's run state included (the recovery
plugin's lock and checkpoint go to DIR/.vmforge/recovery/); without --out a plan writes nothing
at all. Installed plugins may add flags, such as
--wait (wait while another run of the same VM goes on); \`vmforge plugins --json\` lists them.`
      : `Runs every stage for real: disk images are created, artifacts written to
$VMFORGE_DATA_HOME/vms/<name>/ (or --out DIR). --bind-vfio carries out the VFIO binding plan.
Ctrl-C (SIGINT) or SIGTERM stops it once the running step is over (exit 130 / 143); a second
one stops at once. Installed plugins may add flags, such as --wait (wait while another run of
the same VM goes on); \`vmforge plugins --json\` lists them.`,
    async run(argv, io) {
      const { argv: builtIn, flags: pluginFlags } = setAsidePluginFlags(argv, BUILT_IN_OPTIONS);
      const { values, positionals, global } = parseCommand(builtIn, workflowOptions, this.usage);
      const [config, ...extra] = positionals;
      if (!config || extra.length > 0) throw new VmforgeError("E_USAGE", config ? `Unexpected arguments: ${extra.join(" ")}` : "A CONFIG file is required.", { exitCode: ExitCode.usage, fix: `Usage: ${this.usage}` });
      const configPath = resolve(io.cwd, config);
      if (!existsSync(configPath)) throw new VmforgeError("E_CONFIG_NOT_FOUND", `No such file: ${config}`, { exitCode: ExitCode.usage, fix: "Give the path of a VM TOML file; `vmforge init` writes a commented template." });
      const outputDir = values.out ? resolve(io.cwd, String(values.out)) : undefined;
      if (outputDir) await checkOutputDir(outputDir, "--out");
      const request: WorkflowRequest = {
        dryRun,
        configPath,
        ...(outputDir ? { outputDir } : {}),
        include: (values.with as string[] | undefined) ?? [],
        flags: { bindVfio: values["bind-vfio"] === true },
      };
      return runWorkflow(io, global, request, { pluginFlags, usage: this.usage });
    },
  };
}

/**
 * One run of the pipeline, as `plan` and `apply` do it and as a plugin command asks for it
 * (`vmforge resume`): the project's plugins, the renderer, Ctrl-C handling, plan.json (also
 * after a failure), the summary. Returns the exit code; throws the run's error.
 */
export async function runWorkflow(io: Io, global: GlobalOptions, request: WorkflowRequest, options: { pluginFlags?: string[]; usage?: string } = {}): Promise<number> {
  const { dryRun, configPath, outputDir } = request;
  const name = dryRun ? "plan" : "apply";
  const place = { projectDir: resolve(io.cwd, global.project), userConfigDir: new StorageManager(io.env).userConfigPath() };
  if (!dryRun && global.host !== undefined && request.flags?.bindVfio === true) {
    // Refused before the run: the binding stage would write its undo journal there first.
    throw remoteSysfsRefusal(global.host, "vmforge apply --bind-vfio is refused");
  }
  const runtime = await createRuntime(global, io, { dryRun, ...(outputDir ? { outputDir } : {}), preflightChecks: [requestOwnersCheck(place)] });
  let flags: Record<string, unknown>;
  try {
    flags = { ...request.flags, ...pluginFlagValues(options.pluginFlags ?? [], runtime.plugins, options.usage ?? `vmforge ${name} CONFIG`) };
  } catch (error) {
    await runtime.close();
    throw error;
  }
  // plan.json records what was done, also after a failure; failing to write it must not hide why the run failed.
  const savePlan = async (document: PlanDocument): Promise<VmforgeError | undefined> => {
    if (!document.artifactDir || (dryRun && !outputDir)) return undefined;
    const path = join(document.artifactDir, "plan.json");
    try {
      await writeFileAtomic(path, `${JSON.stringify(document, null, 2)}\n`);
      return undefined;
    } catch (error) {
      return writeFailure(error, path, "the record of the run");
    }
  };
  const resumed = request.resume !== undefined;
  const failed = async (error: unknown): Promise<never> => {
    const fault = await savePlan({ ...planDocument(name, runtime.kernel.report(), runtime.kernel.ui.history(), resumed, global.host), ok: false, error: errorJson(error) });
    throw fault ? withFollowUp(error, fault) : error;
  };
  const restoreSignals = stopRunOnSignals(runtime.kernel);
  let report: RunReport;
  try {
    report = await runtime.kernel.run({
      input: { configPath, flags },
      selection: { include: request.include ?? [] },
      ...(request.resume ? { resume: request.resume } : {}),
    });
  } catch (error) {
    return await failed(error);
  } finally {
    restoreSignals();
    await runtime.close();
  }
  const idle = nothingDone(report, runtime.kernel.manifests(), configPath);
  if (idle) return await failed(idle);
  const document = planDocument(name, report, runtime.kernel.ui.history(), resumed, global.host);
  const fault = await savePlan(document);
  if (fault) Object.assign(document, { ok: false, error: errorJson(fault) });
  if (global.json) {
    printJson(io, document);
    return fault ? fault.exitCode : ExitCode.ok;
  }
  if (!global.jsonLines) printSummary(io, document, runtime.palette, global.quiet);
  if (fault) throw fault;
  // What the host lacks in general (e.g. no KVM) is `check`'s verdict; a plan or apply fails
  // with exit code 3 only when a stage finds the host unable to run this VM, and says so.
  return ExitCode.ok;
}

/**
 * A run succeeds only when a stage of a plugin that reads the VM description did its work:
 * host checks alone, or reading stages all skipped, set up no VM.
 */
function nothingDone(report: RunReport, plugins: readonly PluginManifest[], configPath: string): VmforgeError | undefined {
  const readers = new Set(tableOwners(plugins).values());
  if (report.stages.some((stage) => readers.has(stage.plugin) && (stage.status === "done" || stage.status === "resumed"))) return undefined;
  const ran = report.stages.filter((stage) => stage.status === "done").map((stage) => stage.id);
  return new VmforgeError("E_NOTHING_DONE", `No stage worked on ${configPath}: nothing was set up.`, {
    exitCode: ExitCode.failure,
    why: ran.length > 0 ? `Only ${ran.join(", ")} ran, and none of them reads the VM description.` : "No stage ran.",
    fix: `\`vmforge stages ${configPath}\` shows which stages would run and the conditions that skip them.`,
  });
}

export const planCommand = workflowCommand("plan");
export const applyCommand = workflowCommand("apply");

export interface PlanDocument {
  command: string;
  ok: boolean;
  dryRun: boolean;
  /** The run continued an earlier one (`vmforge resume`); the earlier run's effects and artifacts are marked `resumed`. */
  resumed: boolean;
  name: string | undefined;
  /** `--host`: the machine read (and, for apply, set up); the artifact folder is there, with a copy here after apply. */
  host?: string;
  artifactDir: string | undefined;
  stages: RunReport["stages"];
  effects: RunReport["effects"];
  artifacts: RunReport["artifacts"];
  /** The user files the run read (the VM description, files it names), with their fingerprints. */
  inputs: RunReport["inputs"];
  warnings: Array<{ stage?: string; text: string; fix?: string }>;
  results: Array<{ stage?: string; text: string; path?: string }>;
  /** What the host lacks in general (e.g. KVM), as the host check reported it. */
  hostLimits: string[];
  /** Set when the run failed: the error, as `--json` prints it. */
  error?: Record<string, unknown>;
}

function planDocument(command: string, report: RunReport, history: readonly UiEnvelope[], resumed: boolean, host: string | undefined): PlanDocument {
  return {
    command,
    ok: true,
    dryRun: report.dryRun,
    resumed,
    name: report.runName,
    ...(host === undefined ? {} : { host }),
    artifactDir: report.artifactDir,
    stages: report.stages.map((stage) => ({ ...stage, durationMs: Math.round(stage.durationMs) })),
    effects: report.effects,
    artifacts: report.artifacts,
    inputs: report.inputs,
    warnings: history.flatMap((message) => (message.type === "Warn" ? [{ ...(message.stage ? { stage: message.stage } : {}), text: message.text, ...(message.fix ? { fix: message.fix } : {}) }] : [])),
    results: history.flatMap((message) => (message.type === "Result" ? [{ ...(message.stage ? { stage: message.stage } : {}), text: message.text, ...(message.path ? { path: message.path } : {}) }] : [])),
    hostLimits: report.hostUnfit,
  };
}

function printSummary(io: Io, document: PlanDocument, palette: Palette, quiet: boolean): void {
  const out = (line = "") => io.stdout.write(`${line}\n`);
  const planned = document.effects.filter((effect) => effect.status === "planned");
  const done = document.effects.filter((effect) => effect.status === "done");
  out();
  if (document.dryRun) {
    out(palette.bold(`Dry run of ${visibleLine(document.name ?? "the VM")}: nothing on the host was changed.`));
    if (planned.length) {
      out(`apply would:`);
      for (const effect of planned) out(`  ${describeEffect(effect)}`);
    }
  } else {
    out(palette.bold(`${visibleLine(document.name ?? "The VM")} is set up${document.host ? ` on ${visibleLine(document.host)}` : ""}.`));
  }
  if (done.length && !quiet) {
    out(document.dryRun ? "written (you asked for them with --out):" : "done:");
    for (const effect of done) out(`  ${describeEffect(effect)}`);
  }
  if (document.artifactDir && done.length) {
    const where = document.host && !document.dryRun ? ` on ${visibleLine(document.host)} (a copy here)` : "";
    out(`artifacts: ${visibleLine(document.artifactDir)}${where}`);
  }
}

/** One line per effect; paths, commands and descriptions may hold anything, so they are made visible. */
function describeEffect(effect: PlanDocument["effects"][number]): string {
  return visibleLine(`${effectText(effect)}${effect.resumed ? "  (by the run this one resumed)" : ""}`);
}

function effectText(effect: PlanDocument["effects"][number]): string {
  switch (effect.kind) {
    case "write-file":
      return `write ${effect.path} (${effect.bytes ?? 0} bytes)${effect.description ? `: ${effect.description}` : ""}`;
    case "mkdir":
      return `create folder ${effect.path}`;
    case "run":
      return `run ${(effect.command ?? []).map(shellQuote).join(" ")}${effect.description ? `  # ${effect.description}` : ""}`;
    case "sysfs-write":
      return `write "${effect.value}" to ${effect.path}${effect.description ? `  # ${effect.description}` : ""}`;
    case "download":
      return `download ${effect.url} to ${effect.path}${effect.bytes === undefined ? "" : ` (${effect.bytes} bytes)`}${effect.description ? `  # ${effect.description}` : ""}`;
  }
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
