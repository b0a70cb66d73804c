import { describe, expect, it } from "vitest";
import type { FirmwareDescriptor } from "@vmforge/plugin-env-check";
import { DEBIAN_OVMF_DESCRIPTORS } from "@vmforge/test-support";
import { chooseOvmf } from "../src/ovmf-selection.js";
import { DEBIAN_OVMF, fakeEnvironment } from "./support/environment.js";

/** A descriptor as env-check reports it, from the JSON QEMU reads. */
function descriptor(name: string, json: Record<string, unknown>, present = true): FirmwareDescriptor {
  const mapping = json.mapping as { device: string; executable: { filename: string; format?: string }; "nvram-template"?: { filename: string; format?: string } };
  const image = (file?: { filename: string; format?: string }) => (file ? { filename: file.filename, format: file.format ?? "raw", exists: present } : null);
  return {
    path: `/usr/share/qemu/firmware/${name}`,
    description: String(json.description),
    interfaceTypes: json["interface-types"] as string[],
    device: mapping.device,
    mode: "split",
    executable: image(mapping.executable),
    nvramTemplate: image(mapping["nvram-template"]),
    targets: json.targets as FirmwareDescriptor["targets"],
    features: json.features as string[],
  };
}

const debian = Object.entries(DEBIAN_OVMF_DESCRIPTORS).map(([name, json]) => descriptor(name, json as Record<string, unknown>));
const firmware = (descriptors: FirmwareDescriptor[], names = { code: DEBIAN_OVMF.code, vars: DEBIAN_OVMF.vars }) =>
  fakeEnvironment({ descriptors, ovmfCode: names.code, ovmfVars: names.vars }).firmware;

describe("OVMF is chosen the way libvirt chooses it: descriptors first, file names only without any", () => {
  it("without secure boot: the first descriptor with neither secure-boot nor requires-smm", () => {
    expect(chooseOvmf(firmware(debian), false)).toEqual({
      code: "/usr/share/OVMF/OVMF_CODE_4M.fd",
      varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.fd",
      source: "/usr/share/qemu/firmware/60-edk2-x86_64.json",
    });
  });

  it("with secure boot: the first with secure-boot, keys enrolled preferred", () => {
    expect(chooseOvmf(firmware(debian), true)).toEqual({
      code: "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
      varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
      source: "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json",
    });
    const [enrolled, secure, plain] = debian;
    // Enrolled keys win even when a descriptor without them sorts first.
    const renamed = { ...enrolled!, path: "/usr/share/qemu/firmware/70-enrolled.json" };
    expect(chooseOvmf(firmware([secure!, plain!, renamed]), true)?.source).toBe("/usr/share/qemu/firmware/70-enrolled.json");
    expect(chooseOvmf(firmware([secure!, plain!]), true)?.source).toBe("/usr/share/qemu/firmware/50-edk2-x86_64-secure.json");
  });

  it("a host whose descriptors name only secure builds has no plain UEFI, whatever its file names say", () => {
    const [enrolled, secure] = debian;
    expect(chooseOvmf(firmware([enrolled!, secure!]), false)).toBeUndefined();
  });

  it("descriptors whose images are not installed are passed over, without falling back on file names", () => {
    const absent = Object.entries(DEBIAN_OVMF_DESCRIPTORS).map(([name, json]) => descriptor(name, json as Record<string, unknown>, false));
    expect(chooseOvmf(firmware(absent), false)).toBeUndefined();
    expect(chooseOvmf(firmware(absent), true)).toBeUndefined();
  });

  it("a host without any descriptor: by file names, and it says so", () => {
    expect(chooseOvmf(firmware([]), false)).toEqual({ code: "/usr/share/OVMF/OVMF_CODE_4M.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.fd", source: "file names" });
    expect(chooseOvmf(firmware([], { code: [], vars: [] }), false)).toBeUndefined();
  });
});
