import { ExitCode, VmforgeError, describeFingerprint, fingerprintFile, sameFingerprint, type Problem } from "@vmforge/kernel";
import type { Checkpoint } from "./checkpoint.js";
import { RecoveryCode } from "./error-codes.js";
import { sha256OfFile } from "./file-hash.js";
import { resumeCommandFor } from "./recovery-paths.js";

/** Files the run read that are not as they were: the request, a key file, an existing disk image. */
export async function changedInputs(checkpoint: Checkpoint): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const input of checkpoint.inputs) {
    const now = await fingerprintFile(input.path);
    if (sameFingerprint(now, input.fingerprint)) continue;
    problems.push({
      code: RecoveryCode.inputChanged,
      message: `${input.what}, ${input.path}, changed since the run stopped`,
      file: input.path,
      expected: describeFingerprint(input.fingerprint),
      received: describeFingerprint(now),
    });
  }
  return problems;
}

/** Plugins added, removed or of another version: stages and contracts may no longer match the saved ones. */
export function changedPlugins(checkpoint: Checkpoint, installed: ReadonlyArray<{ name: string; version: string }>): Problem[] {
  const problems: Problem[] = [];
  const now = new Map(installed.map((plugin) => [plugin.name, plugin.version]));
  const then = new Map(checkpoint.plugins.map((plugin) => [plugin.name, plugin.version]));
  for (const [name, version] of then) {
    const current = now.get(name);
    if (current === undefined) problems.push({ code: RecoveryCode.pluginsChanged, message: `${name} ${version} took part in the run and is no longer installed` });
    else if (current !== version) problems.push({ code: RecoveryCode.pluginsChanged, message: `${name} was ${version} and is ${current} now`, expected: version, received: current });
  }
  for (const [name, version] of now) if (!then.has(name)) problems.push({ code: RecoveryCode.pluginsChanged, message: `${name} ${version} was installed since the run stopped` });
  return problems;
}

/** Artifacts of the finished stages that are gone or no longer what those stages wrote. */
export async function changedArtifacts(checkpoint: Checkpoint): Promise<Problem[]> {
  const done = new Set(checkpoint.stages.done);
  const problems: Problem[] = [];
  for (const artifact of checkpoint.artifacts) {
    if (artifact.status !== "done" || !done.has(artifact.stage)) continue;
    const now = await sha256OfFile(artifact.path);
    if (now === artifact.sha256) continue;
    problems.push({
      code: RecoveryCode.artifactChanged,
      message: now === undefined ? `${artifact.name}, ${artifact.path}, is gone (or no longer a regular file)` : `${artifact.name}, ${artifact.path}, is no longer the file ${artifact.stage} wrote`,
      file: artifact.path,
      expected: `sha256 ${artifact.sha256.slice(0, 12)}…`,
      received: now === undefined ? "no file" : `sha256 ${now.slice(0, 12)}…`,
    });
  }
  return problems;
}

/** One refusal naming every reason; its code is the reason's when there is one kind. */
export function refusal(checkpoint: Checkpoint, path: string, problems: Problem[]): VmforgeError {
  const codes = [...new Set(problems.map((problem) => problem.code))];
  const code = codes.length === 1 ? codes[0]! : RecoveryCode.resumeRefused;
  return new VmforgeError(code, `${checkpoint.vm} cannot be resumed from ${path}: ${problems.length} thing${problems.length === 1 ? "" : "s"} changed since the run stopped.`, {
    exitCode: ExitCode.usage,
    problems,
    why: "A resumed run trusts what the finished stages did; that holds only while the request, the files it names, the installed plugins and the files written so far are as they were.",
    fix: `Start over with \`${resumeCommandFor(checkpoint, "--restart")}\`, or put back what changed and resume again.`,
  });
}
