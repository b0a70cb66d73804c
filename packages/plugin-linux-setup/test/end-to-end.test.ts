import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { Kernel, type VmforgeError } from "@vmforge/kernel";
import { plugin as envCheckPlugin } from "@vmforge/plugin-env-check/plugin";
import { plugin as qemuSetupPlugin } from "@vmforge/plugin-qemu-setup/plugin";
import { guestMediaKey, qemuCommandKey } from "@vmforge/plugin-qemu-setup";
import { describeWhen, examplesDir, tool } from "@vmforge/test-support";
import { cloudInitSeedKey } from "../src/contract.js";
import { plugin as linuxSetupPlugin } from "../src/plugin.js";
import { cloudInitSchema, tempDir } from "./support/tools.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** `vmforge plan CONFIG --out DIR --host-root examples/hosts/z370-gt1030`, through the kernel with the three plugins. */
async function planWeb1(configPath = join(examplesDir, "web-1.toml")) {
  const root = await tempDir("vmforge-linux-e2e-");
  const outputDir = join(root, "out");
  const dataHome = join(root, "data");
  // The real env-check reads the bundled snapshot of a real host, not the machine the tests run on.
  const kernel = new Kernel({ dryRun: true, outputDir, hostRoot: join(examplesDir, "hosts", "z370-gt1030"), env: { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(root, "config") } });
  for (const plugin of [envCheckPlugin, qemuSetupPlugin, linuxSetupPlugin]) await kernel.use(plugin);
  const report = await kernel.run({ input: { configPath, flags: {} } });
  return { kernel, report, root, outputDir };
}

describe("vmforge plan examples/web-1.toml with env-check, qemu-setup and linux-setup", () => {
  it("writes seed.iso and cloud-init/* under --out, nothing elsewhere, and the seed reaches the QEMU command", async () => {
    const { kernel, report, root, outputDir } = await planWeb1();
    const linuxStages = report.stages.filter((stage) => stage.id.startsWith("linux_setup:"));
    expect(linuxStages.map((stage) => stage.status)).toEqual(["done", "done", "done", "done"]);

    const files = filesUnder(outputDir);
    expect(files).toEqual(expect.arrayContaining(["seed.iso", "cloud-init/meta-data", "cloud-init/user-data", "cloud-init/network-config"]));
    expect(filesUnder(root).every((file) => file.startsWith("out/"))).toBe(true);
    for (const effect of report.effects.filter((record) => record.kind === "write-file" && record.status === "done")) {
      expect(relative(outputDir, effect.path!).startsWith("..")).toBe(false);
    }

    const seedPath = join(outputDir, "seed.iso");
    expect(kernel.session.get(guestMediaKey)).toEqual([expect.objectContaining({ kind: "cdrom", path: seedPath, label: "cidata", readonly: true, producer: "@vmforge/plugin-linux-setup" })]);
    expect(kernel.session.get(cloudInitSeedKey)!.path).toBe(seedPath);
    expect(kernel.session.get(qemuCommandKey)!.argv.join(" ")).toContain(seedPath);

    const userData = parse(readFileSync(join(outputDir, "cloud-init/user-data"), "utf8"), { version: "1.1" });
    expect(userData).toMatchObject({ hostname: "web-1", timezone: "UTC", packages: ["nginx"], users: [{ name: "dev", sudo: "ALL=(ALL) NOPASSWD:ALL" }] });
    const network = parse(readFileSync(join(outputDir, "cloud-init/network-config"), "utf8"), { version: "1.1" });
    expect(network.ethernets.net0.match.macaddress).toBe("52:54:00:b6:e8:06");
    expect(kernel.events.dispatched()).toContainEqual({ name: "GuestSpecificSetupCompleted", payload: { guest_type: "linux", output_path: seedPath } });
  });

});

/** Every example that asks for a Linux guest. */
const linuxExamples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml") && /^guest\s*=\s*"linux"/m.test(readFileSync(join(examplesDir, name), "utf8")));

describeWhen(tool("cloud-init", "cloud-init"))("every Linux example", () => {
  it("includes web-1", () => {
    expect(linuxExamples).toContain("web-1.toml");
  });

  it.each(linuxExamples)("%s: cloud-init schema accepts its user-data", async (example) => {
    const { outputDir } = await planWeb1(join(examplesDir, example));
    const result = await cloudInitSchema(readFileSync(join(outputDir, "cloud-init/user-data"), "utf8"));
    expect(result.ok, result.output).toBe(true);
  });
});

describe("a bad [linux] table, through qemu-setup's loader", () => {
  it("reports the plain password, the bad host name and the unknown key with their lines, exit 2", async () => {
    const web1 = readFileSync(join(examplesDir, "web-1.toml"), "utf8");
    const broken = web1.replace('hostname = "web-1"', 'hostname = "web_1"\ncolour = "blue"').replace('sudo = true', 'sudo = true\npassword = "hunter2"');
    const dir = await tempDir("vmforge-linux-e2e-");
    const configPath = join(dir, "web-1.toml");
    await writeFile(configPath, broken);
    const lineOf = (text: string) => broken.split("\n").findIndex((line) => line.startsWith(text)) + 1;
    const error = (await planWeb1(configPath).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as VmforgeError;
    expect(error).toMatchObject({ code: "E_CONFIG_INVALID", exitCode: 2 });
    const byKey = Object.fromEntries(error.problems.map((problem) => [problem.keyPath, problem]));
    expect(byKey["linux.hostname"]).toMatchObject({ file: configPath, line: lineOf("hostname = ") });
    expect(byKey["linux.colour"]).toMatchObject({ code: "E_CONFIG_UNKNOWN_KEY", line: lineOf("colour = ") });
    expect(byKey["linux.users[0].password"]).toMatchObject({ line: lineOf("password = "), message: expect.stringContaining("mkpasswd -m sha-512") });
  });
});
