import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { lstat } from "node:fs/promises";
import { ExitCode, VmforgeError, type CommandContext } from "@vmforge/kernel";
import type { Checkpoint } from "../checkpoint.js";
import { readCheckpoint } from "../checkpoint-file.js";
import { RecoveryCode } from "../error-codes.js";
import { checkpointPath } from "../recovery-paths.js";
import { changedArtifacts, changedInputs, refusal } from "../resume-checks.js";
import { resumeStateOf } from "../resume-state.js";
import { RESTART_FLAG, WAIT_FLAG } from "../run-recorder.js";
import { isFileSafeRunName } from "../run-names.js";
import { listCheckpoints } from "./list-checkpoints.js";

export const USAGE = "vmforge resume [NAME] [--restart] [--plan --out DIR] [--wait] [--host-root DIR] [--project DIR] [--json | --json-lines] [--quiet] [--no-color]";

const OPTIONS = {
  restart: { type: "boolean" },
  plan: { type: "boolean" },
  out: { type: "string", short: "o" },
  wait: { type: "boolean" },
  json: { type: "boolean" },
  "json-lines": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "host-root": { type: "string" },
  project: { type: "string" },
} as const;

/**
 * `vmforge resume [NAME]`: without a name, the runs that can be resumed; with one, its run goes
 * on from its checkpoint (the stages done are skipped, the session restored), through the same
 * machinery as `plan` / `apply`. `--restart` runs it again from the start.
 */
export async function run(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(args);
  const [name, ...extra] = positionals;
  if (extra.length > 0) throw usage(`Unexpected arguments: ${extra.join(" ")}`);
  const planOut = values.out === undefined ? undefined : resolve(ctx.cwd, values.out);
  if (values.plan === true && planOut === undefined) throw usage("A dry run keeps its checkpoint in the folder it wrote to: give it with --plan --out DIR.");
  if (name === undefined) return list(ctx, planOut);
  if (!isFileSafeRunName(name)) throw usage(`"${name}" is not the name of a run (a VM name: letters, digits, -, _ and .).`);

  const { path, dryRun } = await chooseCheckpoint(ctx, name, values.plan === true, planOut);
  const read = await readCheckpoint(path);
  if (!read) throw nothingToResume(name, dryRun);
  const { checkpoint } = read;
  checkBelongs(checkpoint, path, name, dryRun, ctx.kernel.host.root);
  if (dryRun && checkpoint.run.outputDir !== null && resolve(checkpoint.run.outputDir) !== resolve(path, "..", "..", "..")) {
    throw new VmforgeError(RecoveryCode.checkpointForeign, `The checkpoint ${path} is not used: its plan wrote to ${checkpoint.run.outputDir}, not to the folder it is in.`, {
      exitCode: ExitCode.usage,
      fix: `Resume it from where it ran (\`vmforge resume ${name} --plan --out ${checkpoint.run.outputDir}\`), or plan again.`,
    });
  }
  if (!ctx.runWorkflow) {
    throw new VmforgeError(RecoveryCode.resumeUnsupported, "This vmforge cannot run a pipeline for a plugin command.", { exitCode: ExitCode.usage, fix: "Update @vmforge/cli (or vmforge) to the version that goes with @vmforge/plugin-recovery." });
  }
  const request = {
    dryRun: checkpoint.dryRun,
    configPath: checkpoint.run.configPath,
    ...(checkpoint.run.outputDir ? { outputDir: checkpoint.run.outputDir } : {}),
    include: checkpoint.run.include,
  };
  const wait = values.wait === true;
  if (values.restart === true) return ctx.runWorkflow({ ...request, flags: { ...checkpoint.run.flags, [WAIT_FLAG]: wait, [RESTART_FLAG]: true } });
  // Checked here for a clear answer before anything runs, and again under the VM's lock.
  const problems = [...(await changedInputs(checkpoint)), ...(await changedArtifacts(checkpoint))];
  if (problems.length > 0) throw refusal(checkpoint, path, problems);
  return ctx.runWorkflow({ ...request, flags: { ...checkpoint.run.flags, [WAIT_FLAG]: wait }, resume: resumeStateOf(checkpoint, { checkpoint: path, sha256: read.sha256 }) });
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

/** A real run's checkpoint unless --plan; the dry run's in --out when there is no real one. */
async function chooseCheckpoint(ctx: CommandContext, name: string, plan: boolean, planOut: string | undefined): Promise<{ path: string; dryRun: boolean }> {
  const real = checkpointPath(ctx.kernel.storage, name, { dryRun: false })!;
  const dry = checkpointPath(ctx.kernel.storage, name, { dryRun: true, outputDir: planOut });
  if (plan && dry) return { path: dry, dryRun: true };
  const exists = async (path: string) => lstat(path).then(() => true, () => false);
  if (dry && !(await exists(real)) && (await exists(dry))) return { path: dry, dryRun: true };
  return { path: real, dryRun: false };
}

/** A checkpoint of another VM, another host root or the other kind of run is refused, never half-used. */
function checkBelongs(checkpoint: Checkpoint, path: string, name: string, dryRun: boolean, hostRoot: string): void {
  const foreign = (why: string, fix: string) => new VmforgeError(RecoveryCode.checkpointForeign, `The checkpoint ${path} is not used: ${why}.`, { exitCode: ExitCode.usage, fix });
  if (checkpoint.vm !== name) throw foreign(`it is the checkpoint of ${checkpoint.vm}, not of ${name}`, `Move it back, or run \`vmforge resume ${checkpoint.vm}\` if that is the run you mean.`);
  if (checkpoint.host !== hostname()) throw foreign(`it was written on ${checkpoint.host}, and this is ${hostname()}`, "Resume it on the machine it ran on, or start over there: its host facts are that machine's.");
  if (checkpoint.dryRun !== dryRun) throw foreign(`it is the checkpoint of ${checkpoint.dryRun ? "a dry run (plan)" : "a real run (apply)"}, kept where the other kind belongs`, "Delete it; vmforge keeps a real run's checkpoint in the data folder's recovery/ and a dry run's in its --out folder's .vmforge/recovery/.");
  if (resolve(checkpoint.hostRoot) !== resolve(hostRoot)) {
    throw foreign(
      `its run read the host from ${checkpoint.hostRoot}, and this one reads ${hostRoot}`,
      checkpoint.hostRoot === "/" ? `Run \`vmforge resume ${name}\` without --host-root.` : `Run \`vmforge resume ${name} --host-root ${checkpoint.hostRoot}\`.`,
    );
  }
}

async function list(ctx: CommandContext, planOut: string | undefined): Promise<number> {
  const { runs, unusable } = await listCheckpoints(ctx.kernel.storage, planOut);
  const out = (line = ""): void => void ctx.stdout.write(`${line}\n`);
  if (ctx.json) {
    out(JSON.stringify({ runs, unusable }, null, 2));
    return ExitCode.ok;
  }
  if (runs.length === 0 && unusable.length === 0) {
    out("Nothing to resume: no run of yours stopped before its end.");
    return ExitCode.ok;
  }
  for (const run of runs) {
    out(`${run.name}${run.dryRun ? " (dry run)" : ""}: ${run.status}, stopped at ${run.stoppedAt ?? "its end"}, ${run.updatedAt}`);
    out(`  ${run.config}${run.error ? `\n  ${run.error.code}: ${JSON.stringify(run.error.message).slice(1, -1)}` : ""}`);
    out(`  ${run.status === "running" ? "still running" : `\`${run.resume}\``}`);
  }
  for (const bad of unusable) out(`${bad.name}${bad.dryRun ? " (dry run)" : ""}: cannot be resumed (${bad.error.code}): ${JSON.stringify(bad.error.message).slice(1, -1)}`);
  return ExitCode.ok;
}

function nothingToResume(name: string, plan: boolean): VmforgeError {
  return new VmforgeError(RecoveryCode.resumeNothing, `Nothing to resume for ${name}${plan ? " (dry run)" : ""}: no run of it stopped before its end.`, {
    exitCode: ExitCode.usage,
    fix: `\`vmforge resume\` lists what can be resumed (\`--out DIR\` adds the dry runs that wrote there); a run that finished removed its checkpoint.`,
  });
}

function usage(message: string): VmforgeError {
  return new VmforgeError(RecoveryCode.resumeUsage, message, { exitCode: ExitCode.usage, fix: `Usage: ${USAGE}` });
}
