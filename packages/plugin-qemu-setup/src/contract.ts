import { z } from "@vmforge/kernel/zod";
import { defineCollectionKey, defineSessionKey } from "@vmforge/kernel";

/*
 * The session contracts of @vmforge/plugin-qemu-setup. Other plugins import these, never the
 * stages. Changes are additive only.
 *
 *   session.user_vm_request  value       written by qemu_setup:load_vm_config_toml
 *   session.vm_definition    value       written by qemu_setup:finalize_vm_definition
 *   session.host_devices     collection  added to by a passthrough plugin (VFIO) BEFORE finalize:
 *                                        the adding stage must not read vm_definition; finalize reads
 *                                        host_devices (optional read) and copies the items into
 *                                        vm_definition.hostDevices, sorted by address.
 *   session.guest_media      collection  added to by guest plugins (e.g. the Linux seed ISO) AFTER
 *                                        finalize; generate_qemu_command (and the libvirt XML stage)
 *                                        read it optionally and attach each item.
 *   session.guest_needs      collection  added to by guest plugins BEFORE validate_vm_request: the
 *                                        firmware and devices the guest needs (Windows 11: UEFI,
 *                                        secure boot, TPM 2.0). validate_vm_request reads it
 *                                        (optional read), turns them on, and refuses a request
 *                                        that explicitly says otherwise.
 */

export const VM_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const PCI_ADDRESS_PATTERN = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

const bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const hex4 = z.string().regex(/^[0-9a-f]{4}$/);

// ---------------------------------------------------------------------------------------------
// session.user_vm_request: the TOML after validation, keys as in the file, defaults filled in,
// sizes in bytes, relative paths kept as written (resolve them against dirname(source.path)).
// ---------------------------------------------------------------------------------------------

export const diskBuses = ["virtio", "nvme", "sata", "scsi"] as const;
export const diskFormats = ["qcow2", "raw"] as const;
export const networkModes = ["user", "bridge", "tap", "macvtap"] as const;
export const nicModels = ["virtio", "e1000e"] as const;
export const displayTypes = ["none", "vnc", "spice", "gtk"] as const;
export const firmwareTypes = ["uefi", "bios"] as const;
export const accelRequests = ["auto", "kvm", "tcg"] as const;
export const hugepageSizes = ["2MiB", "1GiB"] as const;

export const requestVmSchema = z.object({
  name: z.string().regex(VM_NAME_PATTERN).max(63),
  /** Which guest plugin prepares the guest; "none" = no guest setup. */
  guest: z.string(),
  description: z.string().optional(),
  /** "auto": KVM when the host has it, else TCG with a warning; "kvm": insist (error without it). */
  accel: z.enum(accelRequests),
  guest_agent: z.boolean(),
  rng: z.boolean(),
  /** The user launch.sh runs QEMU as; absent: the user who runs vmforge. */
  run_as: z.string().optional(),
});

export const requestCpuSchema = z.object({
  sockets: z.number().int().positive(),
  cores: z.number().int().positive(),
  threads: z.number().int().positive(),
  /** host-passthrough | host-model | max | a QEMU CPU model name. */
  model: z.string(),
  /** "auto" or host CPU numbers, one per vCPU; absent: not pinned. */
  pinning: z.union([z.literal("auto"), z.array(z.number().int().nonnegative())]).optional(),
  /** Hyper-V enlightenments; absent: on for guest = "windows". */
  hyperv: z.boolean().optional(),
  /** Hide KVM from the guest (old NVIDIA drivers' "code 43"); absent: false. */
  hide_hypervisor: z.boolean().optional(),
});

export const requestMemorySchema = z.object({
  size: bytes,
  hugepages: z.boolean(),
  /** Forces the hugepage size; absent: 1 GiB pages when the host has enough and size allows, else 2 MiB. */
  hugepage_size: z.enum(hugepageSizes).optional(),
});

export const requestFirmwareSchema = z.object({
  type: z.enum(firmwareTypes),
  secure_boot: z.boolean(),
  tpm: z.boolean(),
  /** Overrides of the OVMF files found on the host. */
  code: z.string().optional(),
  vars: z.string().optional(),
});

export const requestDiskSchema = z.object({
  size: bytes.optional(),
  path: z.string().optional(),
  backing: z.string().optional(),
  /** A catalogue name ("debian-12") or an http(s) URL: downloaded into the cache and used as the backing file. */
  image: z.string().optional(),
  /** An image URL's checksum (hex), or the URL of a checksum file that lists it. */
  sha256: z.string().optional(),
  sha512: z.string().optional(),
  checksums: z.string().optional(),
  format: z.enum(diskFormats).optional(),
  backing_format: z.enum(diskFormats).optional(),
  bus: z.enum(diskBuses),
  serial: z.string().optional(),
  boot_order: z.number().int().positive().optional(),
  readonly: z.boolean(),
  discard: z.boolean(),
});

export const requestNetworkSchema = z.object({
  mode: z.enum(networkModes),
  bridge: z.string().optional(),
  tap: z.string().optional(),
  device: z.string().optional(),
  mac: z.string().regex(MAC_PATTERN).optional(),
  model: z.enum(nicModels),
  /** user mode only: "tcp:2222:22" = host port 2222 to guest port 22. */
  forward: z.array(z.string()),
});

export const requestPassthroughSchema = z.object({
  /** Normalized to the full form 0000:01:00.0. */
  address: z.string().regex(PCI_ADDRESS_PATTERN).optional(),
  /** vendor:device, lower case, e.g. 10de:2484. */
  ids: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/).optional(),
  allow_host_gpu: z.boolean(),
  rom_file: z.string().optional(),
});

export const requestCdromSchema = z.object({
  /** As written; relative to the TOML file's folder. */
  path: z.string(),
  /** Boots before the disks (an installer). */
  boot: z.boolean(),
});

export const requestDisplaySchema = z.object({
  type: z.enum(displayTypes),
  listen: z.string(),
  port: z.number().int().min(1).max(65535).optional(),
});

export const requestUsbSchema = z.object({
  tablet: z.boolean().optional(),
  devices: z.array(z.object({ vendor: hex4, product: hex4 })),
});

export const requestLookingGlassSchema = z.object({
  /** The guest's largest resolution: the shared memory is sized for it. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** User that owns /dev/shm/looking-glass; absent: the user QEMU runs as. */
  owner: z.string().optional(),
  /** Its group; absent: the owner's. */
  group: z.string().optional(),
  /** Octal permission bits, e.g. "0660". */
  mode: z.string(),
});

export const requestInputSchema = z.object({
  /** A host input device, below /dev/input/ (normally /dev/input/by-id/...-event-kbd). */
  evdev: z.string(),
  /** Grab every device of the host while grabbed (keyboard and mouse switch together). */
  grab_all: z.boolean(),
  /** Keep key repeat to the guest. */
  repeat: z.boolean(),
  /** The key combination that switches between host and guest; absent: both Ctrl keys. */
  grab_toggle: z.enum(["ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta", "scrolllock", "ctrl-scrolllock"]).optional(),
});

export const requestOutputSchema = z.object({
  libvirt_xml: z.boolean(),
  /** Also write kubevirt-vm.yaml (@vmforge/plugin-kubevirt); absent = false. */
  kubevirt: z.boolean().optional(),
});

export const userVmRequestSchema = z.object({
  vm: requestVmSchema,
  cpu: requestCpuSchema,
  memory: requestMemorySchema,
  firmware: requestFirmwareSchema,
  disk: z.array(requestDiskSchema),
  network: z.array(requestNetworkSchema),
  passthrough: z.array(requestPassthroughSchema),
  /** Absent in a request made before [[cdrom]] existed: none. */
  cdrom: z.array(requestCdromSchema).default([]),
  display: requestDisplaySchema,
  usb: requestUsbSchema,
  output: requestOutputSchema,
  /** [looking_glass]; absent: no IVSHMEM device. */
  looking_glass: requestLookingGlassSchema.optional(),
  /** [[input]] evdev devices; absent: none. */
  input: z.array(requestInputSchema).optional(),
  /** The TOML file as read. */
  source: z.object({ path: z.string(), text: z.string() }),
  /** Tables owned by other installed plugins (e.g. `linux`), validated by their owners' schemas. */
  extensions: z.record(z.string(), z.unknown()),
});
export type UserVmRequest = z.infer<typeof userVmRequestSchema>;
export type RequestDisk = z.infer<typeof requestDiskSchema>;
export type RequestNetwork = z.infer<typeof requestNetworkSchema>;
export type RequestPassthrough = z.infer<typeof requestPassthroughSchema>;
export type RequestLookingGlass = z.infer<typeof requestLookingGlassSchema>;
export type RequestInput = z.infer<typeof requestInputSchema>;

/** Secret: `source.text` and `extensions` carry every table as written, password hashes included. */
export const userVmRequestKey = defineSessionKey<UserVmRequest>("user_vm_request", userVmRequestSchema, { secret: true });

// ---------------------------------------------------------------------------------------------
// session.host_devices: PCI functions a passthrough plugin hands to the guest.
// ---------------------------------------------------------------------------------------------

export const hostDeviceSchema = z.object({
  kind: z.literal("pci"),
  /** Full PCI address, 0000:01:00.0. */
  address: z.string().regex(PCI_ADDRESS_PATTERN),
  /** True for function 0 of a device whose other functions also go to the guest. */
  multifunction: z.boolean(),
  romFile: z.string().nullable(),
  /** Primary display of the guest (x-vga); false by default. */
  primaryGpu: z.boolean().optional(),
  vendorId: hex4.optional(),
  deviceId: hex4.optional(),
  iommuGroup: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
  /** The plugin that added it. */
  producer: z.string(),
});
export type HostDevice = z.infer<typeof hostDeviceSchema>;
export const hostDevicesKey = defineCollectionKey<HostDevice>("host_devices", hostDeviceSchema);

// ---------------------------------------------------------------------------------------------
// session.guest_media: images guest plugins attach (seed ISO, installer, driver disk).
// ---------------------------------------------------------------------------------------------

export const guestMediumSchema = z.object({
  kind: z.enum(["cdrom", "disk"]),
  /** Absolute path of the image (it may exist only under --out in a dry run). */
  path: z.string().min(1),
  format: z.enum(diskFormats),
  /** Volume label or a short name, for people and for the libvirt XML. */
  label: z.string().optional(),
  readonly: z.boolean(),
  /** The plugin that added it. */
  producer: z.string(),
  /** Boot priority; absent = not a boot device. */
  bootIndex: z.number().int().positive().optional(),
  /**
   * "first": boots before every disk (an installer); several such media boot in the order they
   * were added. Wins over bootIndex.
   */
  boot: z.enum(["first"]).optional(),
});
export type GuestMedium = z.infer<typeof guestMediumSchema>;
export const guestMediaKey = defineCollectionKey<GuestMedium>("guest_media", guestMediumSchema);

// ---------------------------------------------------------------------------------------------
// session.guest_needs: what a guest needs from the virtual hardware. Each field present is a
// requirement; an absent field leaves the request's choice alone.
// ---------------------------------------------------------------------------------------------

export const guestNeedsSchema = z.object({
  /** UEFI firmware (OVMF). */
  uefi: z.literal(true).optional(),
  /** Secure boot (OVMF with keys enrolled when the host has such a build); implies uefi. */
  secureBoot: z.literal(true).optional(),
  /** A TPM 2.0 (swtpm). */
  tpm: z.literal(true).optional(),
  /** Who needs it, for messages: "Windows 11". */
  reason: z.string().min(1),
  /** The plugin that added it. */
  producer: z.string(),
});
export type GuestNeeds = z.infer<typeof guestNeedsSchema>;
export const guestNeedsKey = defineCollectionKey<GuestNeeds>("guest_needs", guestNeedsSchema);

// ---------------------------------------------------------------------------------------------
// session.vm_definition: complete and deterministic (same request + host facts + output folder
// = same value). Paths are absolute.
// ---------------------------------------------------------------------------------------------

export const vmDiskSchema = z.object({
  /** disk0, disk1, ... in request order. */
  id: z.string(),
  index: z.number().int().nonnegative(),
  path: z.string(),
  format: z.enum(diskFormats),
  bus: z.enum(diskBuses),
  /** Virtual size; null when an existing image or a backing file decides it. */
  sizeBytes: bytes.nullable(),
  /** At most 20 characters (the NVMe and virtio-blk limit). */
  serial: z.string().max(20),
  /** Boot priority (1 = first); null = not a boot device. */
  bootIndex: z.number().int().positive().nullable(),
  /** create: a new image (created by apply when missing); existing: used as is; backing: a new overlay on a base image. */
  source: z.enum(["create", "existing", "backing"]),
  backing: z.object({ path: z.string(), format: z.enum(diskFormats) }).nullable(),
  /**
   * `[[disk]] image`: where the base image comes from. Its cached copy (`cachePath`, equal to
   * `backing.path`) is downloaded and verified by qemu_setup:fetch_disk_images; the disk is a new
   * overlay on it (source "backing"). Absent for other disks.
   */
  image: z
    .object({
      /** The catalogue name; null for a URL. */
      name: z.string().nullable(),
      url: z.string(),
      /** The checksum given in the request; null when a checksum file gives it. */
      checksum: z.object({ algorithm: z.enum(["sha256", "sha512"]), hex: z.string() }).nullable(),
      checksumsUrl: z.string().nullable(),
      cachePath: z.string(),
    })
    .optional(),
  readonly: z.boolean(),
  discard: z.boolean(),
});

export const vmNicSchema = z.object({
  /** net0, net1, ... */
  id: z.string(),
  index: z.number().int().nonnegative(),
  mode: z.enum(networkModes),
  /** bridge mode: the host bridge. */
  bridge: z.string().nullable(),
  /** tap mode: the tap interface; macvtap mode: the host interface it sits on is `device`. */
  tap: z.string().nullable(),
  device: z.string().nullable(),
  mac: z.string().regex(MAC_PATTERN),
  macSource: z.enum(["given", "derived"]),
  model: z.enum(["virtio-net-pci", "e1000e"]),
  /** user mode port forwards. */
  forwards: z.array(z.object({ protocol: z.enum(["tcp", "udp"]), hostPort: z.number().int(), guestPort: z.number().int() })),
});

export const vmControllerSchema = z.object({
  id: z.string(),
  type: z.enum(["pcie-root", "sata", "usb", "scsi", "virtio-serial", "pcie-root-port"]),
  model: z.string(),
  /** Part of the q35 machine itself (not a -device). */
  builtin: z.boolean(),
});

export const vmHostDeviceSchema = hostDeviceSchema;

/** Hyper-V enlightenments vmforge turns on, in QEMU's order (hv-<name>). */
export const HYPERV_ENLIGHTENMENTS = ["relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "frequencies", "time", "tlbflush", "ipi"] as const;

export const vmCpuPinningSchema = z.object({
  /** "auto": chosen from the host topology; "list": [cpu] pinning as written. */
  source: z.enum(["auto", "list"]),
  /** The host CPU of each vCPU, in vCPU order (socket, core, thread; threads innermost). */
  vcpus: z.array(z.number().int().nonnegative()),
  /** Host CPUs for QEMU's emulator thread (and its other non-vCPU threads); empty: not pinned. */
  emulator: z.array(z.number().int().nonnegative()),
  /** Host CPUs for I/O threads; empty while the definition has none. */
  iothreads: z.array(z.number().int().nonnegative()),
  /** The online host CPUs no vCPU uses: what the host keeps. */
  hostCpus: z.array(z.number().int().nonnegative()),
  /** The NUMA node of every vCPU, or null (no node information, or several nodes). */
  node: z.number().int().nonnegative().nullable(),
  /** What the choice had to give up, for people. */
  notes: z.array(z.string()),
  /** Boot-time advice: keep the host off the vCPUs' CPUs. */
  bootTime: z.object({
    /** `isolcpus=... nohz_full=...` for the kernel command line. */
    kernelParameters: z.string(),
    /** The host's CPUs as a systemd AllowedCPUs= value. */
    allowedCpus: z.string(),
    steps: z.array(z.string()),
  }),
});
export type VmCpuPinning = z.infer<typeof vmCpuPinningSchema>;

export const vmHypervSchema = z.object({
  /** Empty with hyperv = false and hide_hypervisor = true (vendor id only). */
  enlightenments: z.array(z.enum(HYPERV_ENLIGHTENMENTS)),
  /** hv-spinlocks: retries before a spinning vCPU tells the hypervisor (8191 = 0x1fff). */
  spinlockRetries: z.number().int().positive(),
  /** stimer in direct mode (hv-stimer-direct): KVM has it since Linux 5.0. */
  stimerDirect: z.boolean(),
  /** KVM's signature hidden from the guest (kvm=off, libvirt <kvm><hidden state='on'/>). */
  hideHypervisor: z.boolean(),
  /** Hyper-V vendor id the guest sees (at most 12 characters); null: QEMU's. */
  vendorId: z.string().max(12).nullable(),
});
export type VmHyperv = z.infer<typeof vmHypervSchema>;

export const vmLookingGlassSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Looking Glass's rule: width × height × 4 × 2 bytes + 10 MiB, rounded up to a power of two MiB. */
  sizeMib: z.number().int().positive(),
  /** "shm": a file in /dev/shm; "kvmfr": the kvmfr module's device (loaded on the host). */
  backing: z.enum(["shm", "kvmfr"]),
  /** /dev/shm/looking-glass or /dev/kvmfr0. */
  path: z.string(),
  /** Owner and group the launch script gives the file; null: the user QEMU runs as (and its group). */
  owner: z.string().nullable(),
  group: z.string().nullable(),
  /** Octal, e.g. "0660". */
  mode: z.string(),
});
export type VmLookingGlass = z.infer<typeof vmLookingGlassSchema>;

export const vmEvdevSchema = z.object({
  /** input-linux object id: evdev0, evdev1... */
  id: z.string(),
  path: z.string(),
  grabAll: z.boolean(),
  repeat: z.boolean(),
  grabToggle: z.string().nullable(),
});
export type VmEvdev = z.infer<typeof vmEvdevSchema>;

export const vmDefinitionSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string().regex(VM_NAME_PATTERN),
  /** UUID v5-style, derived from the name only. */
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  guest: z.string(),
  description: z.string().nullable(),
  machine: z.literal("q35"),
  /** The run's artifact folder: launch script, sockets, created images. */
  runDir: z.string(),
  accelerator: z.object({ type: z.enum(["kvm", "tcg"]), reason: z.string() }),
  cpu: z.object({
    /** As requested: host-passthrough, host-model, max or a QEMU model. */
    model: z.string(),
    /** What QEMU gets with -cpu. */
    qemuModel: z.string(),
    sockets: z.number().int().positive(),
    cores: z.number().int().positive(),
    threads: z.number().int().positive(),
    vcpus: z.number().int().positive(),
    /** [cpu] pinning; null or absent: the vCPUs float. */
    pinning: vmCpuPinningSchema.nullable().optional(),
    /** [cpu] hyperv / hide_hypervisor under KVM; null or absent: none. */
    hyperv: vmHypervSchema.nullable().optional(),
    /** The host's cache layout passed to the guest (pinned host-passthrough under KVM). */
    cachePassthrough: z.boolean().optional(),
    /** AMD's topoext CPUID bit, so the guest sees SMT threads on an AMD host (pinned, threads > 1). */
    topoext: z.boolean().optional(),
  }),
  memory: z.object({
    bytes,
    mib: z.number().int().positive(),
    hugepages: z.boolean(),
    hugepageSizeBytes: bytes.nullable(),
  }),
  firmware: z.object({
    type: z.enum(firmwareTypes),
    /** OVMF code (read-only); null for bios. */
    code: z.string().nullable(),
    /** The host's OVMF vars template; null for bios. */
    varsTemplate: z.string().nullable(),
    /** The per-VM copy of the vars (in runDir); null for bios. */
    vars: z.string().nullable(),
    secureBoot: z.boolean(),
    tpm: z.boolean(),
    /** swtpm's control socket when tpm is on. */
    tpmSocket: z.string().nullable(),
  }),
  disks: z.array(vmDiskSchema),
  nics: z.array(vmNicSchema),
  controllers: z.array(vmControllerSchema),
  input: z.array(z.object({ type: z.enum(["tablet", "keyboard", "mouse"]), bus: z.enum(["usb", "ps2", "virtio"]) })),
  usbDevices: z.array(z.object({ vendorId: hex4, productId: hex4 })),
  display: z.object({
    type: z.enum(displayTypes),
    listen: z.string().nullable(),
    port: z.number().int().nullable(),
    /** Emulated video card; "none" without a display. */
    video: z.enum(["none", "virtio-vga", "qxl-vga", "std"]),
  }),
  /**
   * Serial console: a unix socket server in runDir (console.sock) that `vmforge console`
   * attaches to, logged to `log` (runDir/serial.log) from QEMU's start. "stdio" and no `log`:
   * a definition written before the log existed.
   */
  serial: z.object({ type: z.enum(["stdio", "socket"]), path: z.string().nullable(), log: z.string().optional() }),
  rng: z.object({ model: z.literal("virtio-rng-pci"), source: z.string() }).nullable(),
  guestAgent: z.object({ channel: z.literal("org.qemu.guest_agent.0"), socket: z.string() }).nullable(),
  /** QMP socket for management tools. */
  qmpSocket: z.string(),
  hostDevices: z.array(vmHostDeviceSchema),
  output: z.object({ libvirtXml: z.boolean() }),
  /** [looking_glass]: an ivshmem-plain device; absent: none. */
  lookingGlass: vmLookingGlassSchema.optional(),
  /** [[input]] evdev passthrough; absent: none. */
  evdev: z.array(vmEvdevSchema).optional(),
});
export type VmDefinition = z.infer<typeof vmDefinitionSchema>;
export type VmDisk = z.infer<typeof vmDiskSchema>;
export type VmNic = z.infer<typeof vmNicSchema>;
export type VmController = z.infer<typeof vmControllerSchema>;

export const vmDefinitionKey = defineSessionKey<VmDefinition>("vm_definition", vmDefinitionSchema);

/** What generate_qemu_command leaves for later stages and tools. */
export const qemuCommandSchema = z.object({
  argv: z.array(z.string()).min(1),
  launchScript: z.string(),
  /** Disk images apply creates (qemu-img) when missing. */
  createImages: z.array(z.object({ path: z.string(), argv: z.array(z.string()) })),
});
export type QemuCommand = z.infer<typeof qemuCommandSchema>;
export const qemuCommandKey = defineSessionKey<QemuCommand>("qemu_command", qemuCommandSchema);
