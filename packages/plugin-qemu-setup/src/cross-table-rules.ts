import { resolve } from "node:path";
import type { Problem } from "@vmforge/kernel";
import { MAX_SATA_DISKS, type QemuTables } from "./config-schema.js";
import { locatedProblem, type ProblemContext } from "./config-problems.js";
import { normalizeForward } from "./port-forward.js";

/** Rules that look across several entries: duplicates and port counts. */
export function crossTableProblems(context: ProblemContext, tables: Partial<QemuTables>, baseDir: string): Problem[] {
  const problems: Problem[] = [];
  const duplicate = (path: PropertyKey[], what: string, first: string): Problem =>
    locatedProblem(context, path, { code: "E_CONFIG_DUPLICATE", message: `${what} is already used by ${first}`, expected: "a value no other entry uses" }, true);

  const seen = new Map<string, string>();
  const once = (key: string, owner: string, path: PropertyKey[], what: string): void => {
    const first = seen.get(key);
    if (first) problems.push(duplicate(path, what, first));
    else seen.set(key, owner);
  };
  tables.disk?.forEach((disk, index) => {
    // A base image may be shared; the disk's own file may not.
    if (disk.path !== undefined) once(`file:${resolve(baseDir, disk.path)}`, `disk[${index}]`, ["disk", index, "path"], `the file ${disk.path}`);
    if (disk.serial !== undefined) once(`serial:${disk.serial}`, `disk[${index}]`, ["disk", index, "serial"], `serial "${disk.serial}"`);
    if (disk.boot_order !== undefined) once(`boot:${disk.boot_order}`, `disk[${index}]`, ["disk", index, "boot_order"], `boot_order ${disk.boot_order}`);
  });
  const sata = (tables.disk ?? []).map((disk, index) => ({ disk, index })).filter(({ disk }) => disk.bus === "sata");
  for (const { index } of sata.slice(MAX_SATA_DISKS)) {
    problems.push(
      locatedProblem(context, ["disk", index, "bus"], {
        code: "E_CONFIG_INVALID",
        message: `q35 has ${MAX_SATA_DISKS} SATA ports; this is SATA disk number ${sata.findIndex((entry) => entry.index === index) + 1}`,
        expected: '"virtio", "nvme" or "scsi" for the extra disks',
      }),
    );
  }
  tables.network?.forEach((nic, index) => {
    if (nic.mac !== undefined) once(`mac:${nic.mac}`, `network[${index}]`, ["network", index, "mac"], `MAC ${nic.mac}`);
    if (nic.tap !== undefined) once(`tap:${nic.tap}`, `network[${index}]`, ["network", index, "tap"], `tap ${nic.tap}`);
    nic.forward.forEach((rule, ruleIndex) => {
      const [protocol, hostPort] = normalizeForward(rule);
      once(`forward:${protocol}:${hostPort}`, `network[${index}].forward[${ruleIndex}]`, ["network", index, "forward", ruleIndex], `host port ${protocol}:${hostPort}`);
    });
  });
  tables.passthrough?.forEach((device, index) => {
    if (device.address !== undefined) once(`pci:${device.address}`, `passthrough[${index}]`, ["passthrough", index, "address"], `PCI device ${device.address}`);
    if (device.ids !== undefined) once(`ids:${device.ids}`, `passthrough[${index}]`, ["passthrough", index, "ids"], `ids ${device.ids}`);
  });
  tables.usb?.devices.forEach((device, index) => {
    once(`usb:${device.vendor}:${device.product}`, `usb.devices[${index}]`, ["usb", "devices", index], `USB device ${device.vendor}:${device.product}`);
  });
  return problems;
}
