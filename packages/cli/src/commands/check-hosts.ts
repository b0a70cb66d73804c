import { ExitCode, isVmforgeError } from "@vmforge/kernel";
import type { GlobalOptions } from "../options.js";
import { choosePalette } from "../render/colors.js";
import { visibleLine } from "../render/visible.js";
import { createRuntime, type Io } from "../runtime.js";
import { printJson } from "./command.js";
import { runHostCheck } from "./host-check-run.js";

interface CheckLine {
  id: string;
  status: "pass" | "warn" | "fail";
  message: string;
  fix?: string;
}

interface HostReport {
  checks: CheckLine[];
  gpus: Array<{ address: string; name: string; verdict: string }>;
}

export interface HostOutcome {
  host: string;
  exitCode: number;
  report?: HostReport;
  error?: { code: string; message: string; fix?: string };
}

/**
 * `vmforge check --host A --host B ...`: every host checked at once (one SSH session each), then
 * one table; the exit code is the worst of them (2 when one could not be read, else 3 when one
 * cannot run KVM guests).
 */
export async function checkHosts(hosts: readonly string[], global: GlobalOptions, io: Io): Promise<number> {
  const outcomes = await Promise.all(hosts.map((host) => checkHost(host, global, io)));
  if (global.json) printJson(io, { hosts: outcomes });
  else printTable(outcomes, global, io);
  if (outcomes.some((outcome) => outcome.exitCode === ExitCode.usage)) return ExitCode.usage;
  return outcomes.reduce<number>((worst, outcome) => Math.max(worst, outcome.exitCode), ExitCode.ok);
}

async function checkHost(host: string, global: GlobalOptions, io: Io): Promise<HostOutcome> {
  try {
    // Each host's own messages stay silent: the table says what matters.
    const runtime = await createRuntime({ ...global, host, json: true, jsonLines: false }, io, { dryRun: true });
    try {
      const { exitCode, data } = await runHostCheck(runtime);
      const report = data as Partial<HostReport>;
      return { host, exitCode, report: { checks: report.checks ?? [], gpus: report.gpus ?? [] } };
    } finally {
      await runtime.close();
    }
  } catch (error) {
    if (!isVmforgeError(error)) throw error;
    return { host, exitCode: error.exitCode ?? ExitCode.failure, error: { code: error.code, message: error.message, ...(error.fix ? { fix: error.fix } : {}) } };
  }
}

function printTable(outcomes: readonly HostOutcome[], global: GlobalOptions, io: Io): void {
  const palette = choosePalette(io.stdout, global.noColor, io.env);
  const rows = outcomes.map((outcome) => {
    if (!outcome.report) return [outcome.host, palette.red("cannot read"), "", "", outcome.error ? `${outcome.error.code}` : ""];
    const count = (status: CheckLine["status"]) => outcome.report!.checks.filter((check) => check.status === status).length;
    const ready = outcome.report.gpus.filter((gpu) => gpu.verdict === "ready").length;
    const verdict = outcome.exitCode === ExitCode.ok ? palette.green("ready for KVM") : palette.red("not ready");
    return [outcome.host, verdict, String(count("fail")), String(count("warn")), `${ready} of ${outcome.report.gpus.length}`];
  });
  const header = ["HOST", "VERDICT", "FAIL", "WARN", "GPUS READY FOR PASSTHROUGH"];
  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => plain(row[column]!).length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell + " ".repeat(widths[column]! - plain(cell).length)).join("  ").trimEnd();
  io.stdout.write(`${line(header)}\n${rows.map(line).join("\n")}\n`);
  for (const outcome of outcomes) {
    // The error's message names the host already.
    if (outcome.error) io.stdout.write(`\n${visibleLine(outcome.error.message)}${outcome.error.fix ? `\n  fix: ${visibleLine(outcome.error.fix)}` : ""}\n`);
    for (const check of outcome.report?.checks.filter((line) => line.status === "fail") ?? []) {
      io.stdout.write(`\n${visibleLine(outcome.host)}: ${check.id}: ${visibleLine(check.message)}${check.fix ? `\n  fix: ${visibleLine(check.fix)}` : ""}\n`);
    }
  }
}
