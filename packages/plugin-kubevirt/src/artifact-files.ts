import type { PreflightContext, Problem } from "@vmforge/kernel";
import { KUBEVIRT_SECRET_ARTIFACT, KUBEVIRT_VM_ARTIFACT } from "./contract.js";

/**
 * Before any stage: no file the VM description names ([[disk]] path, base image...) may be one
 * of the YAML files this plugin writes in the run folder, or writing it would overwrite that file.
 */
export async function kubevirtFileClashes(ctx: PreflightContext): Promise<Problem[]> {
  const { runFolderClashes } = await import("@vmforge/plugin-qemu-setup");
  return runFolderClashes(ctx, (request) =>
    request.output.kubevirt === true
      ? [
          { name: KUBEVIRT_VM_ARTIFACT, what: `the KubeVirt VirtualMachine (${KUBEVIRT_VM_ARTIFACT}) that @vmforge/plugin-kubevirt writes`, keyPath: ["output", "kubevirt"] },
          { name: KUBEVIRT_SECRET_ARTIFACT, what: `the cloud-init Secret (${KUBEVIRT_SECRET_ARTIFACT}) that @vmforge/plugin-kubevirt writes`, keyPath: ["output", "kubevirt"] },
        ]
      : [],
  );
}
