import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "@vmforge/test-support";
import { kubevirtToml, plan } from "./support/plan.js";
import { validateVirtualMachine } from "./support/kubevirt-schema.js";

/** A deep copy with one change, for checking that the validator notices it. */
function changed<T>(value: T, change: (copy: T) => void): T {
  const copy = structuredClone(value);
  change(copy);
  return copy;
}

describe("the test's validator: KubeVirt's v1.VirtualMachine from the copied swagger.json", () => {
  it("refuses what KubeVirt's schema refuses: a missing required field, a wrong type, a bad int32", async () => {
    const vm = (await (await plan(await kubevirtToml(join(examplesDir, "web-1.toml")))).vm()) as unknown as Record<string, any>;
    expect(validateVirtualMachine(vm).ok).toBe(true);
    for (const loose of [false, true]) {
      const strict = !loose;
      expect(validateVirtualMachine(changed(vm, (copy) => delete copy.spec.template.spec.domain.devices.disks[0].name), { strict }).ok).toBe(false);
      expect(validateVirtualMachine(changed(vm, (copy) => (copy.spec.template.spec.domain.cpu.cores = "2")), { strict }).ok).toBe(false);
      expect(validateVirtualMachine(changed(vm, (copy) => (copy.spec.template.spec.domain.devices.disks[0].bootOrder = 2 ** 31)), { strict }).ok).toBe(false);
      expect(validateVirtualMachine(changed(vm, (copy) => delete copy.spec.template), { strict }).ok).toBe(false);
    }
  });

  it("KubeVirt's schema alone lets a misspelt field through; the closed copy the tests use refuses it", async () => {
    const vm = (await (await plan(await kubevirtToml(join(examplesDir, "web-1.toml")))).vm()) as unknown as Record<string, any>;
    const typo = changed(vm, (copy) => (copy.spec.template.spec.domain.firmware.bootloader.efi = { secureboot: false }));
    expect(validateVirtualMachine(typo, { strict: false }).ok).toBe(true);
    const closed = validateVirtualMachine(typo);
    expect(closed.ok).toBe(false);
    expect(closed.errors).toContain("/spec/template/spec/domain/firmware/bootloader/efi must NOT have additional properties");
    // Maps stay open: labels and annotations take any key.
    expect(validateVirtualMachine(changed(vm, (copy) => (copy.metadata.labels = { "any.example/key": "v" }))).ok).toBe(true);
  });
});
