import type { GuestMedium, UserVmRequest, VmDefinition } from "@vmforge/plugin-qemu-setup";
import type { KubevirtTable } from "../config-schema.js";
import { cloudInitParts } from "./cloud-init.js";
import { diskParts } from "./disks.js";
import { domainBasics } from "./domain.js";
import { Findings, type Inexpressible } from "./findings.js";
import { hostDeviceParts } from "./host-devices.js";
import { networkParts } from "./networks.js";

export interface KubevirtVmInput {
  definition: VmDefinition;
  request: UserVmRequest;
  /** The [kubevirt] table, defaults filled in. */
  table: KubevirtTable;
  /** A Linux guest's cloud-init files, as written to cloud-init/. */
  cloudInit?: { userData: string; networkConfig: string };
  /** session.guest_media: the seed ISO and [[cdrom]]s are handled; what other guest plugins attach is a warning. */
  media?: GuestMedium[];
}

/** Media whose content the VirtualMachine carries another way: the cloud-init seed (a NoCloud volume) and [[cdrom]] (a warning of its own). */
const HANDLED_MEDIA = new Set(["@vmforge/plugin-linux-setup", "@vmforge/plugin-qemu-setup"]);

export interface KubevirtVmOutput {
  /** The kubevirt.io/v1 VirtualMachine. */
  vm: Record<string, unknown>;
  /** The v1 Secret with the user-data (secrets, or too long to sit inline) and/or the network-config (too long). */
  secret: Record<string, unknown> | null;
  /** Why cloud-init data went into the Secret. */
  secretReasons: string[];
  warnings: Inexpressible[];
  notes: string[];
}

const MANAGED_BY = { "app.kubernetes.io/managed-by": "vmforge" };

/** The VirtualMachine for a VM definition: a plain object, serialized by render.ts. */
export function buildKubevirtVm(input: KubevirtVmInput): KubevirtVmOutput {
  const { definition, request, table } = input;
  const findings = new Findings();
  const storage = diskParts(definition, request, table, findings);
  const network = networkParts(definition, findings);
  const passthrough = hostDeviceParts(definition, request, findings);
  const cloudInit = input.cloudInit ? cloudInitParts(definition.name, table.namespace, input.cloudInit.userData, input.cloudInit.networkConfig) : undefined;
  if (cloudInit?.secret) findings.note(`cloud-init data in the Secret ${definition.name}-cloud-init (kubevirt-secret.yaml), not in the VirtualMachine, for ${cloudInit.reasons.join(", ")}; apply that file first.`);

  const devices: Record<string, unknown> = {
    disks: [...storage.disks, ...(cloudInit ? [cloudInit.disk] : [])],
    interfaces: network.interfaces,
  };
  if (definition.nics.length === 0) devices["autoattachPodInterface"] = false;
  if (passthrough.gpus.length > 0) devices["gpus"] = passthrough.gpus;
  if (passthrough.hostDevices.length > 0) devices["hostDevices"] = passthrough.hostDevices;
  if (definition.firmware.tpm) devices["tpm"] = {};
  if (definition.rng) devices["rng"] = {};
  if (definition.display.type === "none") devices["autoattachGraphicsDevice"] = false;
  if (definition.input.some((input) => input.type === "tablet")) devices["inputs"] = [{ name: "tablet", type: "tablet", bus: "usb" }];
  for (const medium of input.media ?? []) {
    if (HANDLED_MEDIA.has(medium.producer)) continue;
    findings.warn(["vm", "guest"], `${medium.producer} attaches ${medium.path}${medium.label ? ` (${medium.label})` : ""}, a file on this host, which a VirtualMachine cannot carry; it is left out`, "Upload it into a claim (virtctl image-upload) and add it to the YAML as a disk or cdrom.");
  }
  if (definition.display.type === "gtk") findings.warn(["display", "type"], "a GTK window on this host has no place in KubeVirt; the VM has KubeVirt's VNC display (virtctl vnc)");
  if (request.display.port !== undefined) findings.warn(["display", "port"], "a display port on this host has no place in KubeVirt; reach the display with virtctl vnc");

  const metadata = { name: definition.name, ...(table.namespace !== undefined ? { namespace: table.namespace } : {}), labels: { ...MANAGED_BY }, ...(definition.description !== null ? { annotations: { description: definition.description } } : {}) };
  const vm = {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata,
    spec: {
      runStrategy: table.run_strategy,
      ...(storage.dataVolumeTemplates.length > 0 ? { dataVolumeTemplates: storage.dataVolumeTemplates } : {}),
      template: {
        metadata: { labels: { "kubevirt.io/vm": definition.name, ...MANAGED_BY } },
        spec: {
          domain: { ...domainBasics(definition, request, findings), devices },
          networks: network.networks,
          volumes: [...storage.volumes, ...(cloudInit ? [cloudInit.volume] : [])],
        },
      },
    },
  };
  return { vm, secret: cloudInit?.secret ?? null, secretReasons: cloudInit?.reasons ?? [], warnings: findings.warnings, notes: findings.notes };
}
