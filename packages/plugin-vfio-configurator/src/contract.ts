import { z } from "@vmforge/kernel/zod";
import { defineSessionKey } from "@vmforge/kernel";

/*
 * The public contract of @vmforge/plugin-vfio-configurator: `session.vfio_plan`, written by
 * qemu_setup:configure_vfio. The same document is the `vfio-plan.json` artifact. Changes are
 * additive only.
 */

const pciAddress = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
const pciId = z.string().regex(/^[0-9a-f]{4}$/);

/** One write to a sysfs attribute: `value` goes into `path` (a host path, below the host root). */
export const sysfsWriteSchema = z.object({
  path: z.string().startsWith("/sys/"),
  value: z.string(),
  description: z.string(),
});

/** One [[passthrough]] entry of the request and what it turned out to be. */
export const planRequestSchema = z.object({
  /** Position in the request's `passthrough` array. */
  index: z.number().int().nonnegative(),
  /** As asked: an address or `vendor:device` ids (one of them). */
  address: pciAddress.nullable(),
  ids: z.string().nullable(),
  resolved: pciAddress,
  name: z.string(),
  allowHostGpu: z.boolean(),
  romFile: z.string().nullable(),
});

export const planFunctionSchema = z.object({
  address: pciAddress,
  name: z.string(),
  vendorId: pciId,
  deviceId: pciId,
  classCode: z.string(),
  className: z.string().nullable(),
  iommuGroup: z.number().int().nonnegative(),
  numaNode: z.number().int().nullable(),
  resetMethods: z.array(z.string()).nullable(),
  /** requested: named in the request; gpu-function: audio/USB-C of a requested GPU; group-member: shares an IOMMU group with one. */
  why: z.enum(["requested", "gpu-function", "group-member"]),
  currentDriver: z.string().nullable(),
  /** driver_override before the plan ("" when none). */
  currentDriverOverride: z.string(),
  targetDriver: z.literal("vfio-pci"),
  /** bind: the sysfs writes below; already-bound: it is on vfio-pci, nothing to do. */
  action: z.enum(["bind", "already-bound"]),
  bind: z.array(sysfsWriteSchema),
  undo: z.array(sysfsWriteSchema),
});

export const planGroupSchema = z.object({
  id: z.number().int().nonnegative(),
  /** Endpoints that go to the guest. */
  guest: z.array(pciAddress),
  /** PCI bridges of the group: they stay with the host, bound to pcieport. */
  bridges: z.array(pciAddress),
});

export const planWarningSchema = z.object({
  code: z.string(),
  message: z.string(),
  fix: z.string().optional(),
});

export const vfioPlanSchema = z.object({
  schemaVersion: z.literal(1),
  vm: z.string(),
  requests: z.array(planRequestSchema),
  groups: z.array(planGroupSchema),
  /** Every function that goes to the guest, by address. */
  functions: z.array(planFunctionSchema),
  module: z.object({
    name: z.literal("vfio-pci"),
    /** loaded: /sys/module/vfio_pci exists; available: listed in the kernel's modules.dep; unknown: neither could be read. */
    state: z.enum(["loaded", "available", "unknown"]),
    /** The command that loads it before binding; null when loaded. */
    load: z.array(z.string()).nullable(),
  }),
  /** How apply --bind-vfio binds: per address, through driver_override. */
  method: z.literal("driver_override"),
  bootTime: z.object({
    /** `vendor:device` of every function, once each. */
    ids: z.array(z.string()),
    /** `vfio-pci.ids=...` for the kernel command line. */
    kernelParameter: z.string(),
    /** The whole of /etc/modprobe.d/vfio.conf: options and a softdep for every driver that would claim the devices first. */
    modprobeConf: z.string(),
    /** Ids that also match devices the plan does not pass (identical cards): boot-time binding by ids would take those too. */
    ambiguous: z.array(z.object({ ids: z.string(), alsoMatches: z.array(pciAddress) })),
    /** What to run, in order, to bind at boot instead of with --bind-vfio. */
    steps: z.array(z.string()),
  }),
  /** Where apply --bind-vfio writes the undo journal (before any binding). */
  undoJournal: z.string(),
  warnings: z.array(planWarningSchema),
  /**
   * Single-GPU passthrough (allow_host_gpu on the host's boot or only GPU): libvirt hook scripts
   * that free the GPU before the guest starts and give it back after. Written as artifacts
   * (`artifact`, below the run folder); apply installs them at `hostPath`. Absent otherwise.
   */
  singleGpu: z
    .object({
      hostGpus: z.array(pciAddress),
      hooks: z.array(z.object({ artifact: z.string(), hostPath: z.string().startsWith("/etc/libvirt/hooks/") })),
    })
    .optional(),
});

export type SysfsWrite = z.infer<typeof sysfsWriteSchema>;
export type PlanRequest = z.infer<typeof planRequestSchema>;
export type PlanFunction = z.infer<typeof planFunctionSchema>;
export type PlanGroup = z.infer<typeof planGroupSchema>;
export type PlanWarning = z.infer<typeof planWarningSchema>;
export type VfioPlan = z.infer<typeof vfioPlanSchema>;

/** `session.vfio_plan`: the binding plan of qemu_setup:configure_vfio. */
export const vfioPlanKey = defineSessionKey<VfioPlan>("vfio_plan", vfioPlanSchema);
