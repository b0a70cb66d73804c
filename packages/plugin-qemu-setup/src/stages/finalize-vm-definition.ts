import type { StageContext } from "@vmforge/kernel";
import { runDirOf } from "../run-dir.js";
import { hostDevicesKey, userVmRequestKey, vmDefinitionKey } from "../contract.js";
import { assembleDefinition } from "../assemble-definition.js";
import { describeLookingGlass } from "../looking-glass.js";
import { vfioAccessWarnings } from "../host-checks/vfio-access.js";
import { cpuRamKey, hostFitKey, networkingKey, storageKey } from "../working-keys.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.set(
    vmDefinitionKey,
    assembleDefinition({
      request: ctx.get(userVmRequestKey),
      runDir: runDirOf(ctx),
      hardware: ctx.get(cpuRamKey),
      storage: ctx.get(storageKey),
      networking: ctx.get(networkingKey),
      hostDevices: ctx.items(hostDevicesKey),
      fit: ctx.get(hostFitKey),
    }),
  );
  // launch.sh's user opens /dev/vfio/<group> (libvirt sets the owner for its own QEMU).
  for (const warning of await vfioAccessWarnings(ctx.host, definition.hostDevices, ctx.get(hostFitKey).runAs)) ctx.ui.warn(warning.text, warning.fix, warning.code);
  const artifact = await ctx.writeArtifact("vm-definition.json", `${JSON.stringify(definition, null, 2)}\n`, { description: "the VM definition" });
  ctx.dispatch("VMDefinitionFinalized", { vm_definition: definition });
  if (definition.lookingGlass) ctx.ui.info(describeLookingGlass(definition.lookingGlass));
  ctx.ui.result(
    `VM ${definition.name}: ${definition.cpu.vcpus} vCPUs (${definition.accelerator.type}), ${definition.memory.mib} MiB, ${definition.disks.length} disk(s), ${definition.nics.length} NIC(s), ${definition.firmware.type}.`,
    undefined,
    artifact.path,
  );
}
