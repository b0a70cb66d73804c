import { execFileSync, spawnSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { all, itWhen, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { escapeOptionValue } from "../src/qemu-args.js";
import { shellQuote } from "../src/launch-script.js";
import { fakeEnvironment } from "./support/environment.js";
import { QmpSession } from "./support/qmp.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

/** Names a user might give that a shell or QEMU's option parser would take apart. */
const HOSTILE = `it's "a" $(touch pwned) \`touch pwned\`; rm -rf x, y=z & | > < * ? ~ \\ é 💾.img`;

async function hostileSetup() {
  const root = await tempDir("vmforge q,s $(x) ");
  const configDir = join(root, "my vms; $(touch pwned)");
  await mkdir(configDir, { recursive: true });
  const config = join(configDir, "vm.toml");
  await writeFile(config, `[vm]\nname = "safe"\ndescription = ${JSON.stringify(HOSTILE)}\n[firmware]\ntype = "bios"\n[[disk]]\npath = ${JSON.stringify(HOSTILE)}\nsize = "16MiB"\n`);
  const outputDir = join(root, "out, with commas & 'quotes'");
  return { root, configDir, config, outputDir };
}

describe("no shell or option injection through names and paths", () => {
  it("escapes commas the way QEMU reads them and quotes every shell word", () => {
    expect(escapeOptionValue("/a,b/c,,d")).toBe("/a,,b/c,,,,d");
    expect(shellQuote("plain-arg=1,2:/x")).toBe("plain-arg=1,2:/x");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("")).toBe("''");
    for (const word of [HOSTILE, "$(id)", "a\nb", "'", "''", "\\", "-x"]) {
      expect(spawnSync("sh", ["-c", `printf %s ${shellQuote(word)}`], { encoding: "utf8" }).stdout).toBe(word);
    }
  });

  it("a hostile path stays one argument in the array, in launch.sh, and nothing runs", async () => {
    const { root, configDir, config, outputDir } = await hostileSetup();
    const { kernel } = await runPipeline(config, { environment: fakeEnvironment(), outputDir });
    const definition = kernel.session.get(vmDefinitionKey)!;
    const { argv } = kernel.session.get(qemuCommandKey)!;
    expect(definition.disks[0]!.path).toBe(join(configDir, HOSTILE));
    expect(argv).toContain(`driver=file,filename=${join(configDir, HOSTILE).replace(/,/g, ",,")},node-name=disk0-file,read-only=off,discard=unmap`);

    // launch.sh run by sh with a stand-in qemu that records its arguments NUL-separated.
    const bin = await tempDir();
    const record = join(bin, "args");
    await writeFile(join(bin, "qemu-system-x86_64"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > ${shellQuote(record)}\n`);
    await chmod(join(bin, "qemu-system-x86_64"), 0o755);
    const script = await readFile(join(outputDir, "launch.sh"), "utf8");
    expect(spawnSync("sh", ["-n", join(outputDir, "launch.sh")]).status).toBe(0);
    const result = spawnSync(join(outputDir, "launch.sh"), ["-extra", "x y"], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    const received = (await readFile(record, "utf8")).split("\0").slice(0, -1);
    expect(received).toEqual([...argv.slice(1), "-extra", "x y"]);
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);

    const everywhere = async (folder: string): Promise<string[]> => (await readdir(folder, { recursive: true })).map(String);
    expect((await everywhere(root)).filter((name) => name.endsWith("pwned"))).toEqual([]);
    expect((await everywhere(bin)).filter((name) => name.endsWith("pwned"))).toEqual([]);
  });

  itWhen(all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("qemu-img", "qemu-utils")))("QEMU opens the hostile path as one file", async () => {
    const { config, outputDir } = await hostileSetup();
    const { kernel } = await runPipeline(config, { environment: fakeEnvironment({ kvm: false }), outputDir });
    const definition = kernel.session.get(vmDefinitionKey)!;
    const { argv, createImages } = kernel.session.get(qemuCommandKey)!;
    for (const image of createImages) execFileSync(image.argv[0]!, image.argv.slice(1));
    const qemu = await QmpSession.start(argv, definition.qmpSocket);
    try {
      const nodes = await qemu.execute<Array<{ "node-name": string; file: string }>>("query-named-block-nodes");
      expect(nodes.find((node) => node["node-name"] === "disk0-file")?.file).toBe(definition.disks[0]!.path);
    } finally {
      expect(await qemu.quit()).toBe(0);
    }
  });
});

describe("launch.sh for a TPM and a macvtap NIC", () => {
  it("starts swtpm and opens the macvtap device before QEMU, and parses as sh", async () => {
    const folder = await tempDir();
    const config = join(folder, "vm.toml");
    await writeFile(config, '[vm]\nname = "tpm-vm"\n[firmware]\ntpm = true\n[[network]]\nmode = "macvtap"\ndevice = "eth0"\n');
    const outputDir = join(folder, "out");
    const { kernel } = await runPipeline(config, { environment: fakeEnvironment(), outputDir });
    const definition = kernel.session.get(vmDefinitionKey)!;
    const { argv, launchScript } = kernel.session.get(qemuCommandKey)!;
    expect(spawnSync("sh", ["-n", "-c", launchScript]).status).toBe(0);
    const lines = launchScript.split("\n");
    const swtpm = lines.findIndex((line) => line.startsWith("swtpm socket --tpm2 --daemon"));
    const tap = lines.findIndex((line) => line.startsWith('exec 3<>"/dev/tap$(cat /sys/class/net/'));
    const qemu = lines.findIndex((line) => line.startsWith("exec qemu-system-x86_64"));
    expect(swtpm).toBeGreaterThan(0);
    expect(tap).toBeGreaterThan(swtpm);
    expect(qemu).toBeGreaterThan(tap);
    expect(lines[swtpm]).toContain(`path=${definition.firmware.tpmSocket}`);
    expect(argv).toEqual(expect.arrayContaining(["emulator,id=tpm0,chardev=chrtpm", "tpm-crb,tpmdev=tpm0", "tap,id=net0,fd=3"]));
    expect(launchScript).toContain(`ip link add link eth0 name mv${definition.uuid.slice(0, 8)}n0 type macvtap mode bridge`);
  });
});
