import type { Check, EnvironmentData } from "../contract.js";

/** Module state and `vfio-pci.ids` against the devices that are really there. */
export function vfioChecks(env: EnvironmentData): Check[] {
  if (!env.iommu.enabled) return [];
  const checks: Check[] = [];
  const present = new Set(env.modules.relevant);
  const missing = ["vfio", "vfio_pci", "vfio_iommu_type1"].filter((name) => !present.has(name));
  checks.push(
    missing.length === 0
      ? { id: "vfio.modules", status: "pass", message: "vfio, vfio_pci and vfio_iommu_type1 are loaded" }
      : {
          id: "vfio.modules",
          status: "warn",
          message: `${missing.join(", ")} not loaded (needed to pass a device through)`,
          fix: `\`sudo modprobe vfio-pci\`; to load it at boot: \`printf 'vfio\\nvfio_iommu_type1\\nvfio_pci\\n' | sudo tee /etc/modules-load.d/vfio.conf\``,
        },
  );

  const ids = env.kernel.cmdline.vfioPciIds;
  if (ids.length > 0) {
    const problems: string[] = [];
    const fixes: string[] = [];
    for (const id of ids) {
      const matching = env.pci.devices.filter((device) => `${device.vendorId}:${device.deviceId}` === id);
      if (matching.length === 0) problems.push(`${id} matches no device`);
      for (const device of matching) {
        if (device.driver !== null && device.driver !== "vfio-pci") {
          problems.push(`${device.address} (${id}) is on ${device.driver}, not vfio-pci`);
          fixes.push(`softdep ${device.driver} pre: vfio-pci`);
        }
      }
      if (matching.length > 1) problems.push(`${id} matches ${matching.length} devices (${matching.map((device) => device.address).join(", ")}): binding by id takes them all`);
    }
    checks.push(
      problems.length === 0
        ? { id: "vfio.pci_ids", status: "pass", message: `vfio-pci.ids=${ids.join(",")}: every listed device is on vfio-pci` }
        : {
            id: "vfio.pci_ids",
            status: "warn",
            message: `vfio-pci.ids=${ids.join(",")}: ${problems.join("; ")}`,
            fix: fixes.length
              ? `Make vfio-pci claim the devices first: add \`${[...new Set(fixes)].join("` and `")}\` to /etc/modprobe.d/vfio.conf and regenerate the initramfs (\`sudo update-initramfs -u\`).`
              : "Bind per device instead (driver_override by address), and remove ids that match nothing.",
          },
    );
  }
  return checks;
}
