import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";
import { diskFormats, requestFirmwareSchema, vmControllerSchema, vmCpuPinningSchema, vmDefinitionSchema, vmDiskSchema, vmNicSchema, type VmController, type VmDisk, type VmNic } from "./contract.js";

/*
 * Keys between this plugin's own stages (validate -> define_* -> finalize). Not part of the
 * public contract: other plugins read vm_definition.
 */

export const hostFitSchema = z.object({
  accelerator: vmDefinitionSchema.shape.accelerator,
  /** The OVMF pair chosen for uefi; null for bios. */
  ovmf: z.object({ code: z.string(), varsTemplate: z.string(), source: z.string() }).nullable(),
  hugepageSizeBytes: z.number().int().positive().nullable(),
  /** What [cpu] pinning and hyperv need from the host; absent in a fit made before they existed. */
  cpuTuning: z.object({ pinning: vmCpuPinningSchema.nullable(), amd: z.boolean(), stimerDirect: z.boolean() }).optional(),
  /** [looking_glass]: the kvmfr module is loaded (its device backs the memory); absent: no [looking_glass]. */
  lookingGlass: z.object({ kvmfr: z.boolean() }).optional(),
  /** The user launch.sh runs QEMU as: [vm] run_as, else the user who ran vmforge (null: unknown). */
  runAs: z.string().nullable().optional(),
  /** [memory] hugepages: why this page size (for the plan). */
  hugepageReason: z.string().optional(),
  /** [firmware] with what session.guest_needs turned on; absent = the request's own. */
  firmware: requestFirmwareSchema.optional(),
  /** What is on disk now, per [[disk]] in request order. */
  disks: z.array(
    z.object({
      path: z.string().nullable(),
      exists: z.boolean(),
      detectedFormat: z.enum(diskFormats).nullable(),
      backingPath: z.string().nullable(),
      backingFormat: z.enum(diskFormats).nullable(),
      /** `image`: where it comes from; `backingPath` is its place in the cache (`cached`: already there). */
      image: vmDiskSchema.shape.image.unwrap().extend({ cached: z.boolean() }).optional(),
    }),
  ),
});
export type HostFit = z.infer<typeof hostFitSchema>;
export const hostFitKey = defineSessionKey<HostFit>("qemu_host_fit", hostFitSchema);

export const cpuRamSchema = vmDefinitionSchema.pick({ accelerator: true, cpu: true, memory: true, firmware: true });
export type CpuRam = z.infer<typeof cpuRamSchema>;
export const cpuRamKey = defineSessionKey<CpuRam>("qemu_cpu_ram", cpuRamSchema);

export const storageKey = defineSessionKey<{ disks: VmDisk[]; controllers: VmController[] }>(
  "qemu_storage",
  z.object({ disks: z.array(vmDiskSchema), controllers: z.array(vmControllerSchema) }),
);
export const networkingKey = defineSessionKey<{ nics: VmNic[] }>("qemu_networking", z.object({ nics: z.array(vmNicSchema) }));

/** What qemu_setup:fetch_disk_images did for each `[[disk]] image` (create_disk_images waits for it). */
export const fetchedImagesSchema = z.array(
  z.object({
    /** The first disk that uses it (two disks may share one image). */
    disk: z.number().int().nonnegative(),
    url: z.string(),
    path: z.string(),
    /** It was in the cache already (a plan also says so). */
    cached: z.boolean(),
    /** Downloaded now (false in a plan, or when cached). */
    downloaded: z.boolean(),
    bytes: z.number().int().nonnegative().nullable(),
  }),
);
export type FetchedImages = z.infer<typeof fetchedImagesSchema>;
export const fetchedImagesKey = defineSessionKey<FetchedImages>("qemu_fetched_images", fetchedImagesSchema);
