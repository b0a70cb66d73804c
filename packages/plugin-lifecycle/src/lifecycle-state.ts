import { z } from "@vmforge/kernel/zod";
import { readBoundedText, writeFileAtomic } from "@vmforge/kernel";
import type { VmFolder } from "./vm-folder.js";

export const STATE_FILE = "lifecycle.json";

/** How the VM was last started, so status, stop and console take the same path. */
const stateSchema = z.object({
  mode: z.enum(["qemu", "libvirt"]),
  /** The libvirt connection URI (libvirt mode). */
  uri: z.string().optional(),
  startedAt: z.string(),
});
export type LifecycleState = z.infer<typeof stateSchema>;

export async function readState(vm: VmFolder): Promise<LifecycleState | undefined> {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await readBoundedText(vm.file(STATE_FILE), { maxBytes: 64 * 1024 })));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(vm: VmFolder, state: LifecycleState): Promise<void> {
  await writeFileAtomic(vm.file(STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** The libvirt URI: --connect, else LIBVIRT_DEFAULT_URI, else what the VM was started with, else qemu:///system. */
export function libvirtUri(connect: string | undefined, env: Record<string, string | undefined>, state?: LifecycleState): string {
  return connect ?? (state?.mode === "libvirt" ? state.uri : undefined) ?? (env.LIBVIRT_DEFAULT_URI || undefined) ?? "qemu:///system";
}
