import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Kernel } from "@vmforge/kernel";
import { libvirtDomainKey, LibvirtXmlErrorCode, plugin } from "../src/index.js";
import { definition, seedIso, web1 } from "./support/definitions.js";
import { attribute, child, children, parseDomain } from "./support/parse-xml.js";
import { producerPlugin } from "./support/producer-plugin.js";

const STAGE = "qemu_setup:generate_libvirt_xml";

async function runStage(options: { libvirtXml: boolean; out: boolean; include?: boolean; definition?: ReturnType<typeof web1> }) {
  const vm = options.definition ?? web1();
  const outputDir = options.out ? await mkdtemp(join(tmpdir(), "vmforge-libvirt-out-")) : undefined;
  const dataHome = await mkdtemp(join(tmpdir(), "vmforge-libvirt-data-"));
  const kernel = new Kernel({ dryRun: true, ...(outputDir ? { outputDir } : {}), env: { VMFORGE_DATA_HOME: dataHome, VMFORGE_CONFIG_HOME: join(dataHome, "config") } });
  await kernel.use(producerPlugin(vm, { libvirtXml: options.libvirtXml, media: [seedIso(vm.runDir)] }));
  await kernel.use(plugin);
  const events: Array<{ path: string }> = [];
  kernel.events.on("LibvirtXMLGenerated", (payload) => void events.push(payload));
  const report = await kernel.run({ selection: options.include ? { include: [STAGE] } : {} });
  return { kernel, report, outputDir, dataHome, events };
}

describe("the manifest", () => {
  it("declares the design's stage id, optional, with its reads and its one write", () => {
    const [stage] = plugin.stages;
    expect(plugin.name).toBe("@vmforge/plugin-libvirt-xml");
    expect(stage!.id).toBe(STAGE);
    expect(stage!.optional).toBe(true);
    expect(stage!.reads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: "vm_definition", provider: "@vmforge/plugin-qemu-setup" }),
        expect.objectContaining({ key: "user_vm_request" }),
        expect.objectContaining({ key: "guest_media", optional: true }),
      ]),
    );
    expect(stage!.writes).toEqual(["libvirt_domain"]);
  });

  it("plugin.ts imports only the kernel: no zod, no fast-xml-parser, no contract with a schema", async () => {
    const source = await readFile(new URL("../src/plugin.ts", import.meta.url), "utf8");
    const staticImports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(staticImports).toEqual(["@vmforge/kernel"]);
  });
});

describe("qemu_setup:generate_libvirt_xml through the kernel", () => {
  it("is skipped when the TOML does not ask for it", async () => {
    const { report, outputDir } = await runStage({ libvirtXml: false, out: true });
    expect(report.stages.find((stage) => stage.id === STAGE)).toMatchObject({ status: "skipped" });
    expect(await readdir(outputDir!)).toEqual([]);
  });

  it("runs with --with even when the TOML does not ask", async () => {
    const { report, outputDir } = await runStage({ libvirtXml: false, out: true, include: true });
    expect(report.stages.find((stage) => stage.id === STAGE)).toMatchObject({ status: "done" });
    expect(await readdir(outputDir!)).toEqual(["domain.xml"]);
  });

  it("with [output] libvirt_xml = true and --out: writes domain.xml (no temp file left), with the guest media, and says so", async () => {
    const { kernel, report, outputDir, events } = await runStage({ libvirtXml: true, out: true });
    const path = join(outputDir!, "domain.xml");
    expect(await readdir(outputDir!)).toEqual(["domain.xml"]);
    const domain = parseDomain(await readFile(path, "utf8"));
    expect(children(child(domain, "devices"), "disk").map((disk) => attribute(disk, "device"))).toEqual(["disk", "cdrom"]);

    expect(events).toEqual([{ path }]);
    expect(kernel.session.get(libvirtDomainKey)).toEqual({ path, status: "done", domainType: "kvm", notes: [] });
    expect(report.artifacts).toEqual([expect.objectContaining({ name: "domain.xml", path, status: "done", stage: STAGE })]);
    const result = kernel.ui.history().find((message) => message.type === "Result" && message.stage === STAGE);
    expect(result).toMatchObject({ type: "Result", path, text: expect.stringContaining(`virsh define ${path}`) });
  });

  it("a dry run without --out writes nothing and reports where the file would go", async () => {
    const { kernel, dataHome, events } = await runStage({ libvirtXml: true, out: false });
    const expected = join(dataHome, "vms", "web-1", "domain.xml");
    expect(existsSync(expected)).toBe(false);
    expect(kernel.session.get(libvirtDomainKey)).toMatchObject({ path: expected, status: "planned" });
    expect(events).toEqual([{ path: expected }]);
    const result = kernel.ui.history().find((message) => message.type === "Result" && message.stage === STAGE);
    expect(result).toMatchObject({ text: expect.stringContaining("dry run") });
    expect(kernel.artifacts.get("domain.xml")).toContain("<domain");
  });

  it("notes reach the person as Info messages", async () => {
    const { kernel } = await runStage({ libvirtXml: true, out: false, definition: { ...web1(), accelerator: { type: "tcg", reason: "no KVM" } } });
    expect(kernel.ui.history()).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Info", stage: STAGE, text: expect.stringContaining("needs KVM") })]));
  });

  it("a definition libvirt cannot take fails the stage with the plugin's error code", async () => {
    const broken = { ...definition({ name: "broken" }), cpu: { model: "max", qemuModel: "max", sockets: 2, cores: 2, threads: 1, vcpus: 4 } };
    broken.cpu.vcpus = 3;
    await expect(runStage({ libvirtXml: true, out: true, definition: broken })).rejects.toMatchObject({ code: LibvirtXmlErrorCode.topologyMismatch });
  });
});
