import type { EnvironmentData, HostReport } from "../contract.js";

const STATUS_LABEL = { pass: "PASS", warn: "WARN", fail: "FAIL" } as const;

/** The human report: one line per check with its fix, then the GPU table. */
export function renderHostReport(env: EnvironmentData, report: HostReport): string {
  const lines: string[] = [hostLine(env), ""];
  for (const check of report.checks) {
    lines.push(`${STATUS_LABEL[check.status]}  ${check.id}: ${check.message}`);
    if (check.fix && check.status !== "pass") lines.push(`  fix: ${check.fix}`);
  }
  lines.push("");
  if (report.gpus.length === 0) {
    lines.push("GPUs: none found");
  } else {
    const rows = report.gpus.map((gpu) => [gpu.address, gpu.name, gpu.driver ?? "-", gpu.groups.length ? gpu.groups.join("+") : "-", gpu.verdict]);
    const header = ["ADDRESS", "NAME", "DRIVER", "GROUP", "VERDICT"];
    const widths = header.map((title, column) => Math.min(column === 1 ? 48 : 20, Math.max(title.length, ...rows.map((row) => row[column]!.length))));
    const format = (row: string[]): string => row.map((cell, column) => (cell.length > widths[column]! ? `${cell.slice(0, widths[column]! - 1)}…` : cell.padEnd(widths[column]!))).join("  ").trimEnd();
    lines.push(format(header));
    report.gpus.forEach((gpu, index) => {
      lines.push(format(rows[index]!));
      for (const reason of gpu.reasons) lines.push(`    - ${reason}`);
    });
  }
  lines.push("");
  lines.push(report.kvmUsable ? "This host can run KVM guests." : `This host cannot run KVM guests: ${report.unfitReasons.join("; ")}`);
  return lines.join("\n");
}

/**
 * The short form for `plan` and `apply`, where the host matters only as the ground of one VM:
 * the host line, what is short of PASS with its fix, and the GPU verdicts in one line each.
 */
export function renderHostSummary(env: EnvironmentData, report: HostReport): string {
  const notPassed = report.checks.filter((check) => check.status !== "pass");
  const lines = [`${hostLine(env)}; ${report.checks.length - notPassed.length} of ${report.checks.length} checks pass${report.kvmUsable ? "" : ", no KVM"}`];
  for (const check of notPassed) {
    lines.push(`${STATUS_LABEL[check.status]}  ${check.id}: ${check.message}`);
    if (check.fix) lines.push(`  fix: ${check.fix}`);
  }
  for (const gpu of report.gpus) lines.push(`GPU ${gpu.address} ${gpu.name}: ${gpu.verdict}`);
  return lines.join("\n");
}

/** `Host: Debian GNU/Linux 12 (bookworm), kernel 6.1.0, AMD EPYC (2 CPUs), 23.5 GiB RAM, inside a VM` */
function hostLine(env: EnvironmentData): string {
  const parts = [
    env.os.prettyName ?? env.os.name ?? "unknown OS",
    env.kernel.release ? `kernel ${env.kernel.release}` : undefined,
    env.cpu.model ? `${env.cpu.model} (${env.cpu.logicalCpus} CPUs)` : undefined,
    env.memory.totalBytes === null ? undefined : `${(env.memory.totalBytes / 1024 ** 3).toFixed(1)} GiB RAM`,
    env.cpu.virtualization.hypervisor ? "inside a VM" : undefined,
  ];
  return `Host: ${parts.filter(Boolean).join(", ")}`;
}
