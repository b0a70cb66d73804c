import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vfioPlanKey, type VfioPlan } from "../src/contract.js";
import { detachScript, dispatcherScript, hookPath, reattachScript, SINGLE_GPU_HOOKS } from "../src/single-gpu/hook-scripts.js";
import { fixtureHost, tempDir } from "./support/fixture-host.js";
import { pipelineError, runPipeline } from "./support/pipeline.js";

/*
 * Single-GPU passthrough (the R7 240 is the host's only GPU): libvirt hook scripts that free it
 * before the guest starts and give it back after, written by plan into the run folder and
 * installed by apply below /etc/libvirt/hooks of the host root.
 */

const HOST = "amd-ryzen-zen1-r7-240-single-gpu";
const toml = (name = "solo") => `[vm]\nname = "${name}"\naccel = "kvm"\n[memory]\nsize = "4GiB"\n[[passthrough]]\naddress = "0000:23:00.0"\nallow_host_gpu = true\n[output]\nlibvirt_xml = false\n`;

const shellChecks = (text: string) => spawnSync("sh", ["-n", "-c", text]).status;

describe("single-GPU passthrough hooks", () => {
  it("plan writes both hooks into the run folder and installs nothing", async () => {
    const { root } = await fixtureHost(HOST);
    const { kernel, outputDir } = await runPipeline({ hostRoot: root, toml: toml() });
    const plan = kernel.session.get(vfioPlanKey)!;
    expect(plan.singleGpu).toEqual({
      hostGpus: ["0000:23:00.0"],
      hooks: [
        { artifact: "hooks/qemu.d/solo/prepare/begin/10-vmforge-detach.sh", hostPath: "/etc/libvirt/hooks/qemu.d/solo/prepare/begin/10-vmforge-detach.sh" },
        { artifact: "hooks/qemu.d/solo/release/end/10-vmforge-reattach.sh", hostPath: "/etc/libvirt/hooks/qemu.d/solo/release/end/10-vmforge-reattach.sh" },
      ],
    });
    const detach = readFileSync(join(outputDir, plan.singleGpu!.hooks[0]!.artifact), "utf8");
    const reattach = readFileSync(join(outputDir, plan.singleGpu!.hooks[1]!.artifact), "utf8");
    expect(statSync(join(outputDir, plan.singleGpu!.hooks[0]!.artifact)).mode & 0o111).not.toBe(0);
    expect(detach).toContain("systemctl stop display-manager.service");
    expect(detach).toContain("echo 0 > \"$console\"");
    expect(detach).toContain("echo efi-framebuffer.0 > /sys/bus/platform/drivers/efi-framebuffer/unbind");
    expect(detach).toContain("modprobe vfio-pci");
    expect(detach.indexOf("virsh nodedev-detach pci_0000_23_00_0")).toBeLessThan(detach.indexOf("virsh nodedev-detach pci_0000_23_00_1"));
    expect(reattach.indexOf("virsh nodedev-reattach pci_0000_23_00_1")).toBeLessThan(reattach.indexOf("virsh nodedev-reattach pci_0000_23_00_0"));
    expect(reattach).toContain("echo 1 > \"$console\"");
    expect(reattach).toContain("systemctl start display-manager.service");
    expect(shellChecks(detach)).toBe(0);
    expect(shellChecks(reattach)).toBe(0);
    // A dry run writes nothing below the host root.
    expect(existsSync(join(root, "etc", "libvirt", "hooks"))).toBe(false);
  });

  it("apply installs the hooks and the dispatcher below the host root through effects", async () => {
    const { root } = await fixtureHost(HOST);
    const { kernel } = await runPipeline({ hostRoot: root, toml: toml(), dryRun: false });
    const plan = kernel.session.get(vfioPlanKey)!;
    for (const hook of plan.singleGpu!.hooks) {
      const installed = join(root, hook.hostPath);
      expect(readFileSync(installed, "utf8")).toContain("#!/bin/sh");
      expect(statSync(installed).mode & 0o777).toBe(0o755);
    }
    const dispatcher = readFileSync(join(root, "etc", "libvirt", "hooks", "qemu"), "utf8");
    expect(dispatcher).toBe(dispatcherScript());
    const writes = kernel.effectLog.records.filter((record) => record.kind === "write-file" && record.path?.startsWith(join(root, "etc")));
    expect(writes.map((record) => record.path)).toEqual([...plan.singleGpu!.hooks.map((hook) => join(root, hook.hostPath)), join(root, "etc", "libvirt", "hooks", "qemu")]);
  });

  it("an existing dispatcher is left alone", async () => {
    const { root } = await fixtureHost(HOST);
    mkdirSync(join(root, "etc", "libvirt", "hooks"), { recursive: true });
    writeFileSync(join(root, "etc", "libvirt", "hooks", "qemu"), "#!/bin/sh\n# mine\n");
    await runPipeline({ hostRoot: root, toml: toml(), dryRun: false });
    expect(readFileSync(join(root, "etc", "libvirt", "hooks", "qemu"), "utf8")).toBe("#!/bin/sh\n# mine\n");
  });

  it("a hook folder that is a symlink leading elsewhere is refused, and nothing is written there", async () => {
    const { root } = await fixtureHost(HOST);
    const elsewhere = await tempDir();
    mkdirSync(join(root, "etc", "libvirt", "hooks"), { recursive: true });
    symlinkSync(elsewhere, join(root, "etc", "libvirt", "hooks", "qemu.d"));
    const error = await pipelineError({ hostRoot: root, toml: toml(), dryRun: false });
    expect(error.code).toBe("E_HOST_PATH_REFUSED");
    expect(error.exitCode).toBe(2);
    expect(existsSync(join(elsewhere, "solo"))).toBe(false);
  });

  it("a GPU that is not the host's gets no hooks", async () => {
    const { root } = await fixtureHost("intel-z370-i5-9400-gt1030-igpu-clean");
    const { kernel, outputDir } = await runPipeline({ hostRoot: root, toml: toml().replace("0000:23:00.0", "0000:01:00.0").replace("allow_host_gpu = true\n", "") });
    expect(kernel.session.get(vfioPlanKey)!.singleGpu).toBeUndefined();
    expect(existsSync(join(outputDir, "hooks"))).toBe(false);
  });

  it("the dispatcher passes sh -n and runs only the scripts of its VM's folder", async () => {
    const text = dispatcherScript();
    expect(shellChecks(text)).toBe(0);
    const hooks = await tempDir();
    writeFileSync(join(hooks, "qemu"), text, { mode: 0o755 });
    const marker = join(hooks, "ran");
    for (const vm of ["solo", "other"]) {
      mkdirSync(join(hooks, "qemu.d", vm, "prepare", "begin"), { recursive: true });
      writeFileSync(join(hooks, "qemu.d", vm, "prepare", "begin", "10-x.sh"), `#!/bin/sh\necho "${vm} $*" >> ${marker}\n`, { mode: 0o755 });
    }
    expect(spawnSync(join(hooks, "qemu"), ["solo", "prepare", "begin", "-"]).status).toBe(0);
    expect(spawnSync(join(hooks, "qemu"), ["../qemu.d/other", "prepare", "begin", "-"]).status).toBe(0);
    expect(spawnSync(join(hooks, "qemu"), ["solo", "release", "end", "-"]).status).toBe(0);
    expect(readFileSync(marker, "utf8")).toBe("solo solo prepare begin -\n");
  });

  it("refuses a hostile VM name before it reaches a path or a script", () => {
    const plan = { vm: "x'; reboot; '", functions: [] } as unknown as VfioPlan;
    for (const hostile of ["x'; reboot; '", "../../etc", "a/b", "", "A", "$(id)"]) {
      expect(() => hookPath(hostile, SINGLE_GPU_HOOKS[0]!)).toThrow(/cannot name a libvirt hook/);
    }
    expect(() => detachScript(plan)).toThrow(expect.objectContaining({ code: "E_VFIO_HOOK_NAME", exitCode: 2 }));
    expect(() => reattachScript(plan)).toThrow(expect.objectContaining({ code: "E_VFIO_HOOK_NAME" }));
  });

  it("the VM name is quoted in the scripts, and they pass sh -n for every allowed shape", () => {
    for (const vm of ["a", "gaming-1", "0-x", "a".repeat(63)]) {
      const plan = { vm, functions: [{ address: "0000:23:00.0" }, { address: "0000:23:00.1" }] } as unknown as VfioPlan;
      for (const text of [detachScript(plan), reattachScript(plan)]) {
        expect(shellChecks(text)).toBe(0);
        expect(text).toContain(`vm=${vm}\n`);
      }
    }
  });
});
