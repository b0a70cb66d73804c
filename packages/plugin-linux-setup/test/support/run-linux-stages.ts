import { join } from "node:path";
import { definePlugin, Kernel, type VmforgeError } from "@vmforge/kernel";
import { userVmRequestKey, vmDefinitionKey, type UserVmRequest, type VmDefinition } from "@vmforge/plugin-qemu-setup";
import { plugin } from "../../src/plugin.js";
import { tempDir } from "./tools.js";

export interface LinuxRunOptions {
  request: UserVmRequest;
  definition: VmDefinition;
  dryRun?: boolean;
  /** undefined: a fresh temp folder; null: no --out. */
  outputDir?: string | null;
  dataHome?: string;
}

/** Stands in for qemu-setup: writes the two session values the linux stages read. */
function qemuSetupDouble(request: UserVmRequest, definition: VmDefinition) {
  return definePlugin({
    name: "@vmforge/plugin-qemu-setup",
    version: "0.0.0-test",
    description: "test double",
    stages: [
      { id: "qemu_setup:load_vm_config_toml", description: "test", writes: ["user_vm_request"], load: async () => ({ run: (ctx) => void ctx.set(userVmRequestKey, request) }) },
      {
        id: "qemu_setup:finalize_vm_definition",
        description: "test",
        reads: ["user_vm_request"],
        writes: ["vm_definition"],
        load: async () => ({ run: (ctx) => void ctx.set(vmDefinitionKey, definition) }),
      },
      // A consumer of guest_media, as generate_qemu_command is.
      { id: "qemu_setup:generate_qemu_command", description: "test", reads: ["vm_definition", { key: "guest_media", optional: true }], load: async () => ({ run: () => undefined }) },
    ],
  });
}

/** The linux stages through the real kernel, with a double of qemu-setup before them. */
export async function runLinuxStages(options: LinuxRunOptions) {
  const outputDir = options.outputDir === null ? undefined : (options.outputDir ?? join(await tempDir("vmforge-linux-"), "out"));
  const dataHome = options.dataHome ?? (await tempDir("vmforge-linux-data-"));
  const kernel = new Kernel({ dryRun: options.dryRun ?? true, ...(outputDir ? { outputDir } : {}), env: { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dataHome, "config") } });
  await kernel.use(qemuSetupDouble(options.request, options.definition));
  await kernel.use(plugin);
  const report = await kernel.run({ input: { configPath: options.request.source.path, flags: {} } });
  return { kernel, report, outputDir, dataHome };
}

export async function linuxStagesError(options: LinuxRunOptions): Promise<VmforgeError> {
  try {
    await runLinuxStages(options);
  } catch (error) {
    return error as VmforgeError;
  }
  throw new Error("the linux stages succeeded");
}
