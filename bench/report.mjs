// The table `pnpm bench` prints, and bench/RESULTS.md.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { cell, formatNumber, formatRatio } from "./lib.mjs";

/** One markdown table of rows of one unit ("ms" or "MB"). */
export function table(rows, unit) {
  const lines = [
    `| what | median ${unit} | min | max | ratio vs baseline(s) | target | |`,
    "|---|--:|--:|--:|---|---|---|",
  ];
  for (const line of rows) {
    const figures = line.stats ? [line.stats.median, line.stats.min, line.stats.max].map(formatNumber) : [line.problem, "", ""];
    const ratios = line.ratios
      .map((ratio) => (ratio.value !== undefined ? `${formatRatio(ratio.value)} ${ratio.name}` : ratio.missing ? `— ${ratio.name} (${ratio.missing})` : ""))
      .filter(Boolean)
      .join("; ");
    lines.push(`| ${cell(line.what)} | ${figures.map(cell).join(" | ")} | ${cell(ratios)} | ${cell(line.target ?? "")} | ${line.met ? `**${line.met}**` : ""} |`);
  }
  return lines.join("\n");
}

function run(file, args) {
  const result = spawnSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export function machine(root) {
  const cpus = os.cpus();
  const release = existsSync("/etc/os-release") ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] : undefined;
  const head = run("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  // RESULTS.md itself, rewritten by every run, does not count as a change.
  const dirty = run("git", ["-C", root, "status", "--porcelain", "--", ".", ":(exclude)bench/RESULTS.md"]);
  const virtual = run("systemd-detect-virt", []);
  return {
    cpu: `${cpus[0]?.model?.trim() ?? "unknown CPU"}, ${cpus.length} core${cpus.length === 1 ? "" : "s"} (as Node sees them)${virtual && virtual !== "none" ? `; systemd-detect-virt: ${virtual}` : ""}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    system: `${os.type()} ${os.release()} ${os.arch()}${release ? `, ${release}` : ""}`,
    node: process.version,
    load: os.loadavg().map((value) => value.toFixed(2)).join(" "),
    commit: head ? `${head}${dirty ? " (with uncommitted changes)" : ""}` : "not a git checkout",
  };
}

export function results({ date, command, info, runs, peerStatus, rows, notes }) {
  const peerLines = Object.entries(peerStatus).map(([name, status]) => `- ${name}: ${status.ok ? status.version : `not available — ${status.why}`}`);
  const timed = rows.filter((line) => line.unit === "ms");
  const memory = rows.filter((line) => line.unit === "MB");
  return [
    "# vmforge benchmark results",
    "",
    "Written by `pnpm bench` (`bench/run.mjs`); each full run overwrites this file. Each figure is",
    `the median of ${runs} runs (min and max beside it): cold runs, a new process each, but for the`,
    "rows that say in process. Each is measured round-robin with its baseline(s) after a warm-up",
    "round that is not counted (A, baseline, A, baseline, ...), and each ratio divides the medians",
    "of the same session, so noise on a shared machine hits both sides alike.",
    "",
    `- date: ${date}`,
    `- command: \`${command}\``,
    `- commit: ${info.commit}`,
    `- CPU: ${info.cpu}`,
    `- memory: ${info.memory}`,
    `- system: ${info.system}`,
    `- node: ${info.node}`,
    `- load average at the start: ${info.load}`,
    "",
    "Programs compared with:",
    "",
    ...peerLines,
    "",
    "## Time",
    "",
    table(timed, "ms"),
    ...(memory.length ? ["", "## Peak RSS", "", table(memory, "MB")] : []),
    "",
    "## Notes",
    "",
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}
