import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { plugin } from "../src/plugin.js";
import * as publicFace from "../src/index.js";

describe("the manifest", () => {
  it("declares qemu_setup:configure_vfio: conditional, reads environment_data and user_vm_request, writes vfio_plan, adds host_devices", () => {
    expect(plugin.name).toBe("@vmforge/plugin-vfio-configurator");
    expect(plugin.stages).toHaveLength(1);
    const [stage] = plugin.stages;
    expect(stage).toMatchObject({
      id: "qemu_setup:configure_vfio",
      reads: [
        { key: "environment_data", provider: "@vmforge/plugin-env-check" },
        { key: "user_vm_request", provider: "@vmforge/plugin-qemu-setup" },
      ],
      writes: ["vfio_plan"],
      adds: ["host_devices"],
    });
    expect(typeof stage!.when).toBe("function");
    expect(JSON.stringify(stage)).not.toContain("vm_definition");
  });

  it("adds `vmforge vfio undo NAME`, loaded only when run", async () => {
    expect(plugin.commands).toEqual([expect.objectContaining({ name: "vfio undo", usage: expect.stringContaining("vmforge vfio undo NAME") })]);
    const module = await plugin.commands![0]!.load();
    expect(typeof module.run).toBe("function");
  });

  it("imports nothing but the kernel (no zod, no stage code) so listing plugins stays cheap", async () => {
    const source = await readFile(new URL("../src/plugin.ts", import.meta.url), "utf8");
    expect([...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1])).toEqual(["@vmforge/kernel"]);
  });

  it("the public face is the plugin and the vfio_plan contract", () => {
    expect(Object.keys(publicFace).sort()).toEqual(
      ["plugin", "planFunctionSchema", "planGroupSchema", "planRequestSchema", "planWarningSchema", "sysfsWriteSchema", "vfioPlanKey", "vfioPlanSchema"].sort(),
    );
    expect(publicFace.vfioPlanKey.name).toBe("vfio_plan");
  });
});
