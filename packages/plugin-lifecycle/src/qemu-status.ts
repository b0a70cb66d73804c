import { access } from "node:fs/promises";
import { QmpClient } from "./qmp-client.js";
import { runningQemu, uptimeSeconds, liveProcesses, type ProcessTable } from "./qemu-process.js";
import type { VmFolder } from "./vm-folder.js";

/** What QMP says of a running QEMU. */
export interface QmpFacts {
  /** query-status: "running", "paused", "prelaunch", "shutdown"... */
  status: string;
  /** query-kvm: KVM really in use, or TCG. */
  accelerator: "kvm" | "tcg";
}

/** Asks QEMU over QMP for its run state and accelerator; undefined when QMP does not answer. */
export async function qmpFacts(vm: VmFolder, timeoutMs = 3_000): Promise<QmpFacts | undefined> {
  if (!(await access(vm.definition.qmpSocket).then(() => true, () => false))) return undefined;
  let client: QmpClient | undefined;
  try {
    client = await QmpClient.connect(vm.definition.qmpSocket, { timeoutMs });
    const status = await client.execute<{ status: string }>("query-status", undefined, { timeoutMs });
    const kvm = await client.execute<{ enabled: boolean }>("query-kvm", undefined, { timeoutMs });
    return { status: status.status, accelerator: kvm.enabled ? "kvm" : "tcg" };
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}

export interface QemuStatus {
  running: boolean;
  pid: number | undefined;
  /** A pid file whose process is gone or is another program now. */
  stalePid: number | undefined;
  qmp: QmpFacts | undefined;
  uptimeSeconds: number | undefined;
}

export async function qemuStatus(vm: VmFolder, table: ProcessTable = liveProcesses): Promise<QemuStatus> {
  const found = await runningQemu(vm, table);
  if (found.pid === undefined) return { running: false, pid: undefined, stalePid: found.stalePid, qmp: undefined, uptimeSeconds: undefined };
  return { running: true, pid: found.pid, stalePid: undefined, qmp: await qmpFacts(vm), uptimeSeconds: await uptimeSeconds(found.pid, table) };
}
