import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examplesDir } from "@vmforge/test-support";
import { kubevirtConfigTemplate } from "../src/config-template.js";
import { kubevirtVmKey } from "../src/contract.js";
import { kubevirtToml, plan } from "./support/plan.js";
import { validateVirtualMachine } from "./support/kubevirt-schema.js";

/** The template's settings with their `# ` taken off (the leading comment line stays one). */
const uncommented = kubevirtConfigTemplate
  .split("\n")
  .map((line) => (/^# (\[|[a-z_0-9]+ = )/.test(line) ? line.slice(2) : line))
  .join("\n");

describe("the [kubevirt] snippet vmforge init writes", () => {
  it("is all comments as written", () => {
    expect(kubevirtConfigTemplate.split("\n").filter((line) => line !== "" && !line.startsWith("#"))).toEqual([]);
  });

  it("uncommented, plans: the namespace, run strategy, storage class and the claim reach the YAML", async () => {
    const config = await kubevirtToml(join(examplesDir, "web-1.toml"), (text) => `${text}\n[output]\nkubevirt = true\n\n${uncommented}`);
    const run = await plan(config);
    const vm = await run.vm();
    expect(validateVirtualMachine(vm).ok).toBe(true);
    expect(vm.metadata.namespace).toBe("vms");
    expect(vm.spec.runStrategy).toBe("Halted");
    // disk0 has a claim now: no DataVolume imports the image.
    expect(vm.spec.dataVolumeTemplates).toBeUndefined();
    expect(vm.spec.template.spec.volumes[0]).toEqual({ name: "disk0", persistentVolumeClaim: { claimName: "my-root-disk" } });
    expect(run.kernel.session.get(kubevirtVmKey)!.notes).toContainEqual(expect.stringContaining("the claim my-root-disk ([kubevirt.claims]) is used as it is"));
  });
});
