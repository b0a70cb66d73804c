import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";

/*
 * The session contract of @vmforge/plugin-kubevirt. Changes are additive only.
 *
 *   session.kubevirt_vm  value  written by kubevirt:generate_kubevirt_vm
 */

export const kubevirtFindingSchema = z.object({
  /** The TOML key the finding is about, as in messages: `network[0].forward`. */
  keyPath: z.string(),
  message: z.string(),
});
export type KubevirtFinding = z.infer<typeof kubevirtFindingSchema>;

export const kubevirtVmSchema = z.object({
  /** Where kubevirt-vm.yaml is (or, in a dry run without --out, would be). */
  path: z.string(),
  /** Whether the file was written ("done") or only planned (a dry run without --out). */
  status: z.enum(["done", "planned", "failed"]),
  /** kubevirt-secret.yaml (the cloud-init user-data as a Secret) when the user-data holds secrets; else null. */
  secretPath: z.string().nullable(),
  /** What the VM definition asks for that KubeVirt cannot express (also shown as warnings). */
  warnings: z.array(kubevirtFindingSchema),
  /** What the person should know (claims to create, resources the cluster must offer). */
  notes: z.array(z.string()),
});
export type KubevirtVm = z.infer<typeof kubevirtVmSchema>;

export const kubevirtVmKey = defineSessionKey<KubevirtVm>("kubevirt_vm", kubevirtVmSchema);

/** The artifact's file name in the run's folder. */
export const KUBEVIRT_VM_ARTIFACT = "kubevirt-vm.yaml";
/** The Secret with the cloud-init user-data, written only when it holds secrets. */
export const KUBEVIRT_SECRET_ARTIFACT = "kubevirt-secret.yaml";
