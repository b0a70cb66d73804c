import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { plugin, vmTemplateToml } from "../src/index.js";
import { vmDefinitionKey } from "../src/contract.js";
import { QEMU_TABLE_NAMES } from "../src/table-names.js";
import { fakeEnvironment } from "./support/environment.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

describe("the VM template `vmforge init` writes", () => {
  it("is what the manifest's config.template gives", async () => {
    expect(await plugin.config!.template!()).toBe(vmTemplateToml());
  });

  it("shows every table this plugin owns (passthrough and cdrom commented out)", () => {
    const text = vmTemplateToml();
    for (const table of QEMU_TABLE_NAMES) expect(text).toMatch(new RegExp(`^#? ?\\[\\[?${table}\\]\\]?$`, "m"));
    expect(Object.keys(parse(text)).sort()).toEqual(QEMU_TABLE_NAMES.filter((table) => !["passthrough", "cdrom", "looking_glass", "input"].includes(table)).sort());
  });

  it("plans as it is: the defaults it shows are the defaults", async () => {
    const path = join(await tempDir(), "vm.toml");
    await writeFile(path, vmTemplateToml());
    const { kernel } = await runPipeline(path, { environment: fakeEnvironment() });
    const fromTemplate = kernel.session.get(vmDefinitionKey)!;

    const bare = join(await tempDir(), "vm.toml");
    await writeFile(bare, '[vm]\nname = "my-vm"\n[[disk]]\nsize = "20GiB"\n');
    const { kernel: defaults } = await runPipeline(bare, { environment: fakeEnvironment(), outputDir: fromTemplate.runDir });
    expect(defaults.session.get(vmDefinitionKey)).toEqual(fromTemplate);
  });

  it("the manifest imports no zod and no stage", async () => {
    const source = await import("node:fs/promises").then((fs) => fs.readFile(new URL("../src/plugin.ts", import.meta.url), "utf8"));
    expect(source).not.toMatch(/from "(zod|@vmforge\/kernel\/zod)"|config-schema\.js"\)\)\.qemu.*\n.*from/);
    expect(source.match(/^import .*$/gm)).toEqual(['import { definePlugin, packageInfo } from "@vmforge/kernel";', 'import { QEMU_TABLE_NAMES } from "./table-names.js";']);
    expect(plugin.config!.tables).toEqual([...QEMU_TABLE_NAMES]);
  });
});
