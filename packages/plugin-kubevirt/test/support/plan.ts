import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Kernel, type RunReport, type VmforgeError } from "@vmforge/kernel";
import { plugin as envCheckPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as linuxSetupPlugin } from "@vmforge/plugin-linux-setup/plugin";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { plugin as vfioPlugin } from "@vmforge/plugin-vfio-configurator/plugin";
import { examplesDir } from "@vmforge/test-support";
import { parse } from "yaml";
import { plugin as kubevirtPlugin } from "../../src/plugin.js";

/** The snapshot of a real host the examples are planned against (a GT 1030 for passthrough). */
export const exampleHost = join(examplesDir, "hosts", "z370-gt1030");

export interface Plan {
  kernel: Kernel;
  report: RunReport;
  outputDir: string;
  config: string;
  read(name: string): Promise<string>;
  /** kubevirt-vm.yaml, parsed. */
  vm(): Promise<VirtualMachine>;
  /** The warnings the run showed, by code. */
  warnings(code?: string): Array<{ text: string; code?: string; fix?: string }>;
}

/** The fields the tests look at; the schema checks the rest. */
export interface VirtualMachine {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    runStrategy: string;
    dataVolumeTemplates?: Array<{ metadata: { name: string }; spec: { source: Record<string, { url?: string }>; storage: { resources?: { requests: { storage: string } }; storageClassName?: string } } }>;
    template: {
      spec: {
        domain: {
          cpu: { sockets: number; cores: number; threads: number; model?: string };
          memory: { guest: string; hugepages?: { pageSize: string } };
          firmware: { bootloader: { efi?: { secureBoot: boolean }; bios?: object } };
          features?: { smm?: { enabled: boolean } };
          devices: {
            disks: Array<{ name: string; disk: { bus: string }; bootOrder?: number }>;
            interfaces: Array<{ name: string; masquerade?: object; bridge?: object; model: string; macAddress: string }>;
            gpus?: Array<{ name: string; deviceName: string }>;
            hostDevices?: Array<{ name: string; deviceName: string }>;
            tpm?: object;
          };
        };
        networks: Array<{ name: string; pod?: object; multus?: { networkName: string } }>;
        volumes: Array<{ name: string; dataVolume?: { name: string }; persistentVolumeClaim?: { claimName: string }; cloudInitNoCloud?: { userData?: string; networkData?: string; secretRef?: { name: string } } }>;
      };
    };
  };
}

/** A copy of a TOML (its text changed by `edit`) with `[output] kubevirt = true`, in a new folder. */
export async function kubevirtToml(source: string, edit: (text: string) => string = (text) => text): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-kubevirt-toml-"));
  const target = join(dir, basename(source));
  const text = edit(await readFile(source, "utf8"));
  await writeFile(target, /^\[output\]/m.test(text) ? text : `${text}\n[output]\nkubevirt = true\n`);
  return target;
}

/** `vmforge plan CONFIG --out DIR --host-root examples/hosts/z370-gt1030` through the kernel with every plugin the examples need. */
export async function plan(config: string): Promise<Plan> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-kubevirt-plan-"));
  const outputDir = join(root, "out");
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: exampleHost, env: { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of [envCheckPlugin, qemuSetupPlugin, vfioPlugin, linuxSetupPlugin, kubevirtPlugin]) await kernel.use(plugin);
  const report = await kernel.run({ input: { configPath: config, flags: {} } });
  const read = (name: string) => readFile(join(outputDir, name), "utf8");
  return {
    kernel,
    report,
    outputDir,
    config,
    read,
    vm: async () => parse(await read("kubevirt-vm.yaml")) as VirtualMachine,
    warnings: (code) => kernel.ui.history().flatMap((message) => (message.type === "Warn" && (code === undefined || message.code === code) ? [{ text: message.text, ...(message.code ? { code: message.code } : {}), ...(message.fix ? { fix: message.fix } : {}) }] : [])),
  };
}

/** The error a plan fails with (undefined when it passes). */
export async function planError(config: string): Promise<VmforgeError | undefined> {
  return plan(config).then(
    () => undefined,
    (error: unknown) => error as VmforgeError,
  );
}
