import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "@vmforge/kernel";
import { DEBIAN_OVMF_DESCRIPTORS, writeDebianOvmf } from "@vmforge/test-support";
import { usableUefiDescriptors } from "../src/index.js";
import { descriptorDirs, descriptorFromJson, readFirmwareDescriptors } from "../src/host/firmware-descriptors.js";
import { checkHostRoot, removeSnapshots } from "./check-host.js";

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
  await removeSnapshots();
});

async function host(files: Record<string, string> = {}, debian = true): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vmforge-firmware-"));
  folders.push(root);
  if (debian) await writeDebianOvmf(root);
  for (const [hostPath, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, hostPath)), { recursive: true });
    await writeFile(join(root, hostPath), content);
  }
  return root;
}

const DIRS = ["/usr/share/qemu/firmware", "/etc/qemu/firmware", "/root/.config/qemu/firmware"];
const names = (descriptors: Array<{ path: string }>) => descriptors.map((descriptor) => descriptor.path);

describe("QEMU firmware descriptors, read as QEMU and libvirt read them", () => {
  it("lists Debian's three descriptors in file-name order with their images found", async () => {
    const { descriptors, invalid } = await readFirmwareDescriptors(new HostRoot(await host()), DIRS);
    expect(invalid).toEqual([]);
    expect(names(descriptors)).toEqual([
      "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json",
      "/usr/share/qemu/firmware/50-edk2-x86_64-secure.json",
      "/usr/share/qemu/firmware/60-edk2-x86_64.json",
    ]);
    expect(descriptors[2]).toMatchObject({
      interfaceTypes: ["uefi"],
      device: "flash",
      mode: "split",
      executable: { filename: "/usr/share/OVMF/OVMF_CODE_4M.fd", format: "raw", exists: true },
      nvramTemplate: { filename: "/usr/share/OVMF/OVMF_VARS_4M.fd", format: "raw", exists: true },
      targets: [{ architecture: "x86_64", machines: ["pc-i440fx-*", "pc-q35-*"] }],
    });
    expect(descriptors[0]!.features).toContain("enrolled-keys");
    // OVMF_CODE_4M.ms.fd is a symlink in Debian's package; it counts as present.
    expect(descriptors[0]!.executable).toMatchObject({ filename: "/usr/share/OVMF/OVMF_CODE_4M.ms.fd", exists: true });
  });

  it("a file in /etc or the user's folder replaces the one of the same name; an empty one hides it", async () => {
    const custom = { ...DEBIAN_OVMF_DESCRIPTORS["60-edk2-x86_64.json"], description: "the admin's own" };
    const root = await host({
      "/etc/qemu/firmware/60-edk2-x86_64.json": JSON.stringify(custom),
      "/root/.config/qemu/firmware/40-edk2-x86_64-secure-enrolled.json": "",
      "/etc/qemu/firmware/10-first.json": JSON.stringify({ ...custom, description: "sorted first" }),
    });
    const { descriptors } = await readFirmwareDescriptors(new HostRoot(root), DIRS);
    expect(names(descriptors)).toEqual(["/etc/qemu/firmware/10-first.json", "/usr/share/qemu/firmware/50-edk2-x86_64-secure.json", "/etc/qemu/firmware/60-edk2-x86_64.json"]);
    expect(descriptors[2]!.description).toBe("the admin's own");
  });

  it("sets aside what does not parse, with the reason, and keeps going", async () => {
    const root = await host({
      "/usr/share/qemu/firmware/10-broken.json": "{ not json",
      "/usr/share/qemu/firmware/11-array.json": "[]",
      "/usr/share/qemu/firmware/12-no-vars.json": JSON.stringify({ "interface-types": ["uefi"], mapping: { device: "flash", executable: { filename: "/x.fd" } }, targets: [] }),
      "/usr/share/qemu/firmware/README": "not a descriptor",
    });
    const { descriptors, invalid } = await readFirmwareDescriptors(new HostRoot(root), DIRS);
    expect(descriptors).toHaveLength(3);
    expect(invalid).toEqual([
      { path: "/usr/share/qemu/firmware/10-broken.json", reason: expect.stringContaining("not JSON") },
      { path: "/usr/share/qemu/firmware/11-array.json", reason: "it is not a JSON object" },
      { path: "/usr/share/qemu/firmware/12-no-vars.json", reason: 'a split flash mapping has no "nvram-template"' },
    ]);
  });

  it("usable UEFI descriptors: split flash, raw, x86_64 q35, both images present", async () => {
    const parse = (json: object) => {
      const parsed = descriptorFromJson("/d.json", json);
      if (typeof parsed === "string") throw new Error(parsed);
      return { ...parsed, executable: parsed.executable && { ...parsed.executable, exists: true }, nvramTemplate: parsed.nvramTemplate && { ...parsed.nvramTemplate, exists: true } };
    };
    const base = DEBIAN_OVMF_DESCRIPTORS["60-edk2-x86_64.json"] as Record<string, unknown>;
    const usable = parse(base);
    const aarch64 = parse({ ...base, targets: [{ architecture: "aarch64", machines: ["virt-*"] }] });
    const i440fxOnly = parse({ ...base, targets: [{ architecture: "x86_64", machines: ["pc-i440fx-*"] }] });
    const bios = parse({ ...base, "interface-types": ["bios"] });
    const qcow2 = parse({ ...base, mapping: { device: "flash", executable: { filename: "/c.qcow2", format: "qcow2" }, "nvram-template": { filename: "/v.qcow2", format: "qcow2" } } });
    const stateless = parse({ ...base, mapping: { device: "flash", mode: "stateless", executable: { filename: "/c.fd" } } });
    const sev = parse({ ...base, mapping: { device: "memory", filename: "/usr/share/OVMF/OVMF.amdsev.fd" } });
    const missingVars = { ...usable, nvramTemplate: { ...usable.nvramTemplate!, exists: false } };
    expect(usableUefiDescriptors([aarch64, i440fxOnly, bios, qcow2, stateless, sev, missingVars, usable])).toEqual([usable]);
  });

  it("the user's folder is $XDG_CONFIG_HOME/qemu/firmware, else ~/.config/qemu/firmware", () => {
    expect(descriptorDirs({ HOME: "/home/ann" })).toEqual(["/usr/share/qemu/firmware", "/etc/qemu/firmware", "/home/ann/.config/qemu/firmware"]);
    expect(descriptorDirs({ HOME: "/home/ann", XDG_CONFIG_HOME: "/cfg" })).toEqual(["/usr/share/qemu/firmware", "/etc/qemu/firmware", "/cfg/qemu/firmware"]);
    expect(descriptorDirs({ XDG_CONFIG_HOME: "relative" })).toEqual(["/usr/share/qemu/firmware", "/etc/qemu/firmware"]);
  });
});

describe("the firmware.ovmf verdict", () => {
  it("passes by descriptors, naming them", async () => {
    const checked = await checkHostRoot(await host());
    expect(checked.check("firmware.ovmf")).toMatchObject({ status: "pass", message: expect.stringContaining("60-edk2-x86_64.json") });
  });

  it("warns when the descriptors name images that are not installed, and does not fall back on file names", async () => {
    const root = await host({}, false);
    await writeDebianOvmf(root);
    await rm(join(root, "usr/share/OVMF/OVMF_VARS_4M.fd"));
    await rm(join(root, "usr/share/OVMF/OVMF_VARS_4M.ms.fd"));
    const checked = await checkHostRoot(root);
    expect(checked.check("firmware.ovmf")).toMatchObject({ status: "warn", message: expect.stringContaining("name no installed UEFI firmware") });
  });

  it("passes by file names on a host without descriptors, and says so", async () => {
    const root = await host({}, false);
    await writeDebianOvmf(root, { descriptors: false });
    const checked = await checkHostRoot(root);
    expect(checked.check("firmware.ovmf")).toMatchObject({ status: "pass", message: expect.stringContaining("by file name") });
  });

  it("warns with the install command when there is nothing, and lists broken descriptors apart", async () => {
    const checked = await checkHostRoot(await host({ "/etc/qemu/firmware/70-bad.json": "{" }, false));
    expect(checked.check("firmware.ovmf")).toMatchObject({ status: "warn", fix: expect.stringContaining("ovmf") });
    expect(checked.check("firmware.descriptors")).toMatchObject({ status: "warn", message: expect.stringContaining("/etc/qemu/firmware/70-bad.json") });
  });
});
