import type { PreflightContext, Problem, StageContext } from "@vmforge/kernel";
import type { GuestMedium, GuestNeeds } from "./contract.js";
import type { GuestConditionOptions } from "./guest-kit/guest-condition.js";
import type { GuestRequest } from "./guest-kit/guest-request.js";
import type { GuestPreflightOptions } from "./guest-kit/preflight.js";

/*
 * The guest kit: what every guest plugin (Linux, Windows, ...) needs from qemu-setup. This
 * module loads no zod and no stage code: a manifest may import it. The stage-side helpers are
 * async and load their code on first use. `locateTomlKey` (it needs the TOML locator) is on the
 * package's main entry.
 */

export { resolveRequestPath } from "./guest-kit/request-path.js";
export type { GuestRequest, FileCheck, ProblemFields } from "./guest-kit/guest-request.js";
export type { GuestConditionOptions } from "./guest-kit/guest-condition.js";
export type { GuestPreflightOptions } from "./guest-kit/preflight.js";

const QEMU_SETUP = "@vmforge/plugin-qemu-setup";

/** Session reads a guest plugin's stages declare (with qemu-setup named as their provider). */
export const guestReads = {
  /** session.user_vm_request: the validated VM description. */
  request: { key: "user_vm_request", provider: QEMU_SETUP },
  /** session.vm_definition: reading it orders the stage after finalize_vm_definition (needed to attach media). */
  definition: { key: "vm_definition", provider: QEMU_SETUP },
} as const;

/** Collection keys a guest plugin's stages add to. */
export const guestAdds = {
  /** Files attached to the VM (after finalize): the answer-file ISO, the installer. */
  media: "guest_media",
  /** Firmware the guest needs (before validate_vm_request): UEFI, secure boot, TPM. */
  needs: "guest_needs",
} as const;

/**
 * A stage's `when`: run only for `vm.guest = guest`. With `table`, the first stage asked in a
 * run for another guest warns that the table is ignored (once per run).
 */
export function whenGuest(guest: string, options: GuestConditionOptions = {}): (ctx: StageContext) => Promise<boolean> {
  return async (ctx) => (await import("./guest-kit/guest-condition.js")).isGuest(ctx, guest, options);
}

/**
 * A manifest's `preflightCheck` that runs only for `vm.guest = guest`, with the parsed and
 * validated request: refuse a missing install ISO before `apply` creates any disk.
 */
export function guestPreflight(guest: string, options: GuestPreflightOptions): (ctx: PreflightContext) => Promise<Problem[]> {
  return async (ctx) => (await import("./guest-kit/preflight.js")).guestPreflightProblems(ctx, guest, options);
}

/** In a stage that reads `guestReads.request`: the request with typed table access, paths and located problems. */
export async function guestRequest(ctx: StageContext): Promise<GuestRequest> {
  const [{ GuestRequest }, { userVmRequestKey }] = await Promise.all([import("./guest-kit/guest-request.js"), import("./contract.js")]);
  return new GuestRequest(ctx.get(userVmRequestKey));
}

/** A file to attach to the VM. */
export interface MediumToAttach {
  /** Absolute path (an artifact's `ctx.artifactPath(name)`, or a user's file through `GuestRequest.path`). */
  path: string;
  /** Default "cdrom" (SATA, read-only). */
  kind?: GuestMedium["kind"];
  /** Default "raw". */
  format?: GuestMedium["format"];
  /** Volume label or a short name. */
  label?: string;
  /** Default true (always true for a CD-ROM). */
  readonly?: boolean;
  /** "first": boots before every disk, e.g. an installer. */
  boot?: "first";
}

/** In a stage that adds to `guestAdds.media` (and reads `guestReads.definition`): attaches a file, as a CD-ROM by default. */
export async function attachMedium(ctx: StageContext, medium: MediumToAttach): Promise<GuestMedium> {
  const { guestMediaKey } = await import("./contract.js");
  return ctx.add(guestMediaKey, {
    kind: medium.kind ?? "cdrom",
    path: medium.path,
    format: medium.format ?? "raw",
    ...(medium.label !== undefined ? { label: medium.label } : {}),
    readonly: medium.kind === "disk" ? (medium.readonly ?? true) : true,
    producer: ctx.plugin,
    ...(medium.boot ? { boot: medium.boot } : {}),
  });
}

/** What the guest needs from the firmware. */
export type HardwareNeeds = Omit<GuestNeeds, "producer">;

/**
 * In a stage that adds to `guestAdds.needs` (and reads `guestReads.request`, so it runs before
 * validate_vm_request): the definition gets UEFI / secure boot / a TPM 2.0; a request that
 * explicitly turns one off is refused, located, naming this plugin.
 */
export async function needHardware(ctx: StageContext, needs: HardwareNeeds): Promise<void> {
  const { guestNeedsKey } = await import("./contract.js");
  ctx.add(guestNeedsKey, { ...needs, producer: ctx.plugin });
}
