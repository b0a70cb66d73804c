import type { EnvironmentData } from "@vmforge/plugin-env-check";
import type { PlanFunction, VfioPlan } from "../contract.js";
import { idsOf } from "./device-roles.js";

/** sysfs driver names whose module is called otherwise (softdep takes module names). */
const MODULE_OF_DRIVER: Record<string, string> = {
  xhci_hcd: "xhci_pci",
  "ehci-pci": "ehci_pci",
  "ohci-pci": "ohci_pci",
  "uhci_hcd": "uhci_hcd",
};

/** Drivers built into every kernel: no softdep can order them. */
const NOT_MODULES = new Set(["pcieport", "vfio-pci", "pci-stub"]);

export function moduleOfDriver(driver: string): string {
  return MODULE_OF_DRIVER[driver] ?? driver.replace(/-/g, "_");
}

/**
 * The boot-time alternative to binding at apply: vfio-pci claims the devices by id before
 * their usual drivers load. Ids cannot tell identical cards apart, which the plan says.
 */
export function bootTimeBinding(functions: readonly PlanFunction[], env: EnvironmentData, vm: string): VfioPlan["bootTime"] {
  const ids = [...new Set(functions.map((fn) => `${fn.vendorId}:${fn.deviceId}`))];
  const passed = new Set(functions.map((fn) => fn.address));
  const ambiguous = ids
    .map((id) => ({ ids: id, alsoMatches: env.pci.devices.filter((device) => idsOf(device) === id && !passed.has(device.address)).map((device) => device.address) }))
    .filter((entry) => entry.alsoMatches.length > 0);
  const drivers = [...new Set(functions.map((fn) => fn.currentDriver).filter((driver): driver is string => driver !== null && !NOT_MODULES.has(driver)))];
  const kernelParameter = `vfio-pci.ids=${ids.join(",")}`;
  const modprobeConf = [
    `# vmforge: vfio-pci claims the passthrough devices of ${vm} at boot`,
    `options vfio-pci ids=${ids.join(",")}`,
    ...drivers.map((driver) => `softdep ${moduleOfDriver(driver)} pre: vfio-pci`),
    "",
  ].join("\n");
  const steps = [
    `Write /etc/modprobe.d/vfio.conf with the lines of modprobeConf (the softdep lines make vfio-pci load before ${drivers.length ? drivers.map(moduleOfDriver).join(", ") : "the devices' drivers"}).`,
    `Or add \`${kernelParameter}\` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub and run \`sudo update-grub\` (Fedora: \`sudo grubby --update-kernel=ALL --args="${kernelParameter}"\`).`,
    "Rebuild the initramfs so vfio-pci is there early: `sudo update-initramfs -u` (Fedora/Arch: `sudo dracut -f` / `sudo mkinitcpio -P`), then reboot.",
    ...(ambiguous.length
      ? [
          `Ids ${ambiguous.map((entry) => entry.ids).join(", ")} also match ${ambiguous.flatMap((entry) => entry.alsoMatches).join(", ")}, which stay with the host: binding by ids would take them too. Bind by address at boot instead: an initramfs script that runs ${functions.map((fn) => `\`echo vfio-pci > /sys/bus/pci/devices/${fn.address}/driver_override\``).join(", ")} then \`modprobe -i vfio-pci\`.`,
        ]
      : []),
  ];
  return { ids, kernelParameter, modprobeConf, ambiguous, steps };
}
