import type { StageContext } from "@vmforge/kernel";
import { cloudInitUserDataKey } from "@vmforge/plugin-linux-setup/contract";
import { guestMediaKey, locateTomlKey, userVmRequestKey, vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { guestRequest } from "@vmforge/plugin-qemu-setup/guest";
import { kubevirtTableSchema } from "../config-schema.js";
import { KUBEVIRT_SECRET_ARTIFACT, KUBEVIRT_VM_ARTIFACT, kubevirtVmKey } from "../contract.js";
import { KubevirtErrorCode, KubevirtWarningCode } from "../errors.js";
import { keyPathText } from "../manifest/findings.js";
import { renderYaml } from "../manifest/render.js";
import { buildKubevirtVm } from "../manifest/virtual-machine.js";

export async function run(ctx: StageContext): Promise<void> {
  const definition = ctx.get(vmDefinitionKey);
  const request = ctx.get(userVmRequestKey);
  const guest = await guestRequest(ctx);
  const table = guest.table("kubevirt", kubevirtTableSchema);

  const diskIds = new Set(definition.disks.map((disk) => disk.id));
  const unknown = Object.keys(table.claims).filter((id) => !diskIds.has(id));
  if (unknown.length > 0) {
    const problems = unknown.map((id) =>
      guest.problem(["kubevirt", "claims", id], {
        code: KubevirtErrorCode.unknownDisk,
        message: `[kubevirt.claims] names ${id}, but the VM has ${definition.disks.length === 0 ? "no disk" : `only ${[...diskIds].join(", ")}`}`,
        expected: definition.disks.length === 0 ? "no claims" : [...diskIds].join(" | "),
        received: id,
        fix: "disk0 is the first [[disk]], disk1 the second...; remove the entry or add the disk.",
      }),
    );
    throw guest.error(problems, { code: KubevirtErrorCode.unknownDisk, why: "A claim is given for a disk of the VM; there is no such disk." });
  }

  const cloudInit = ctx.tryGet(cloudInitUserDataKey);
  const built = buildKubevirtVm({ definition, request, table, media: ctx.items(guestMediaKey), ...(cloudInit ? { cloudInit } : {}) });
  if (ctx.runName === undefined) ctx.setRunName(definition.name);

  let secretPath: string | null = null;
  if (built.secret) {
    // It may hold the user-data's secrets: for the VM's owner only, like cloud-init/user-data.
    const secret = await ctx.writeArtifact(KUBEVIRT_SECRET_ARTIFACT, renderYaml(built.secret, "cloud-init data of the VM (it may hold secrets): kubectl apply -f this file before kubevirt-vm.yaml"), { description: "the KubeVirt VM's cloud-init Secret", mode: 0o600 });
    secretPath = secret.path;
  }
  const artifact = await ctx.writeArtifact(KUBEVIRT_VM_ARTIFACT, renderYaml(built.vm, `KubeVirt VirtualMachine written by vmforge from ${request.source.path}: kubectl apply -f this file`), { description: "the KubeVirt VirtualMachine (kubectl apply -f)" });

  for (const warning of built.warnings) {
    const where = locateTomlKey(request.source.text, warning.keyPath).line;
    ctx.ui.warn(`KubeVirt: ${request.source.path}${where !== undefined ? `:${where}` : ""} ${keyPathText(warning.keyPath)}: ${warning.message}.`, warning.fix, KubevirtWarningCode.inexpressible);
  }
  for (const note of built.notes) ctx.ui.info(note);
  ctx.set(kubevirtVmKey, {
    path: artifact.path,
    status: artifact.status,
    secretPath,
    warnings: built.warnings.map((warning) => ({ keyPath: keyPathText(warning.keyPath), message: warning.message })),
    notes: built.notes,
  });
  ctx.dispatch("KubevirtVMGenerated", { path: artifact.path });
  const written = artifact.status === "done";
  const apply = secretPath ? `kubectl apply -f ${secretPath} -f ${artifact.path}` : `kubectl apply -f ${artifact.path}`;
  ctx.ui.result(
    written ? `KubeVirt VirtualMachine written to ${artifact.path}; create it with: ${apply}` : `KubeVirt VirtualMachine planned at ${artifact.path} (dry run: nothing written; add --out DIR to keep it)`,
    { path: artifact.path, written, secret: secretPath, warnings: built.warnings.length },
    artifact.path,
  );
}
