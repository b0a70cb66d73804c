import type { PlanFunction, VfioPlan } from "./contract.js";

/** The plan as a person reads it: what leaves the host, how, how to undo, the boot-time way. */
export function renderPlan(plan: VfioPlan, options: { bindNow: boolean }): string {
  const lines: string[] = [];
  const toBind = plan.functions.filter((fn) => fn.action === "bind");
  lines.push(`VFIO plan for ${plan.vm}: ${plan.functions.length} function${plan.functions.length === 1 ? "" : "s"} to vfio-pci, IOMMU group${plan.groups.length === 1 ? "" : "s"} ${plan.groups.map((group) => group.id).join(", ")}`);
  for (const fn of plan.functions) lines.push(`  ${describeFunction(fn)}`);
  const bridges = plan.groups.flatMap((group) => group.bridges);
  if (bridges.length) lines.push(`  bridges that stay with the host: ${bridges.join(", ")}`);
  if (plan.module.load) lines.push(`vfio-pci is not loaded: first \`${plan.module.load.join(" ")}\``);
  if (toBind.length === 0) {
    lines.push("Every function is already on vfio-pci: nothing to bind.");
  } else {
    lines.push(options.bindNow ? "Binding now, by address (driver_override):" : "apply --bind-vfio binds by address (driver_override):");
    for (const fn of toBind) for (const step of fn.bind) lines.push(`  write "${step.value}" to ${step.path}`);
    lines.push(`Undo: \`vmforge vfio undo ${plan.vm}\` (journal ${plan.undoJournal}, written before the first binding):`);
    for (const fn of [...toBind].reverse()) for (const step of fn.undo) lines.push(`  write "${step.value === "\n" ? "\\n" : step.value}" to ${step.path}`);
  }
  lines.push(`Or bind at boot: \`${plan.bootTime.kernelParameter}\` on the kernel command line, or /etc/modprobe.d/vfio.conf:`);
  for (const line of plan.bootTime.modprobeConf.trimEnd().split("\n")) lines.push(`  ${line}`);
  for (const warning of plan.warnings) lines.push(`warning ${warning.code}: ${warning.message}`);
  return lines.join("\n");
}

function describeFunction(fn: PlanFunction): string {
  const driver = fn.action === "already-bound" ? "already on vfio-pci" : `${fn.currentDriver ?? "no driver"} -> vfio-pci`;
  return `${fn.address}  ${fn.name} [${fn.vendorId}:${fn.deviceId}]  group ${fn.iommuGroup}  ${driver}  (${fn.why})`;
}
