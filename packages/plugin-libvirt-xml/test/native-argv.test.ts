import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { all, describeWhen, examplesDir, itWhen, ovmf, tool } from "@vmforge/test-support";
import { qemuCommandSchema, vmDefinitionKey } from "@vmforge/plugin-qemu-setup";
import { libvirtDomainKey } from "../src/index.js";
import { renderDomainXml } from "../src/xml/domain.js";
import { passthroughUsb } from "./support/definitions.js";
import { attribute, child, children, parseDomain, text } from "./support/parse-xml.js";
import { libvirtQemuDriver, libvirtQemuArgv, startPausedWithLibvirt, virshDefineOnTestDriver, virtXmlValidate, writeTempXml } from "./support/libvirt-tools.js";
import { envCheckPlugin, fakeEnvCheckPlugin, fakeEnvironment, fakeLinuxPlugin, fakeVfioPlugin, runPlan, tomlWithLibvirtXml, type PipelineRun } from "./support/pipeline.js";
import { bootOrder, devices, deviceSignatures, hostForwards, hugepageBacking, memoryMiB, pflashFiles, secureBootFlash, smp } from "./support/qemu-argv.js";

const convert = libvirtQemuDriver();
const haveSwtpm = tool("swtpm", "swtpm").met;

/*
 * What libvirt cannot plan on this machine, taken out of a copy of domain.xml before
 * domxml-to-native (the domain.xml under test is not changed):
 *   - type='kvm' without /dev/kvm ("does not support virt type 'kvm'"): planned as type='qemu'
 *     with <cpu mode='maximum'>, the devices are the same;
 *   - USB host devices: libvirt looks vendor:product up on the host's bus while planning;
 *   - a TPM only when swtpm is missing (libvirt asks swtpm what it supports).
 */
function plannableHere(xml: string): { xml: string; droppedTpm: boolean } {
  let result = xml;
  if (!existsSync("/dev/kvm")) {
    result = result.replace(/^<domain type="kvm"/, '<domain type="qemu"').replace(/<cpu mode="host-(passthrough|model)"[^>]*>/, '<cpu mode="maximum" check="none">');
  }
  result = result.replace(/ *<hostdev mode="subsystem" type="usb"[^]*?<\/hostdev>\n/g, "");
  const droppedTpm = !haveSwtpm && result.includes("<tpm ");
  if (droppedTpm) result = result.replace(/ *<tpm [^]*?<\/tpm>\n/, "");
  return { xml: result, droppedTpm };
}

async function compareWithOurArgv(run: PipelineRun) {
  const ours = qemuCommandSchema.pick({ argv: true }).parse(JSON.parse(await run.read("qemu-command.json"))).argv;
  const { xml, droppedTpm } = plannableHere(await run.read("domain.xml"));
  const theirs = await libvirtQemuArgv(await writeTempXml(xml));
  const withoutTpm = (signatures: string[]) => (droppedTpm ? signatures.filter((signature) => signature !== "tpm-crb") : signatures);

  expect(deviceSignatures(theirs), "guest-visible devices").toEqual(withoutTpm(deviceSignatures(ours)));
  // libvirt may add its default boot disk after ours; the devices we order keep their order.
  const ourBoot = bootOrder(ours);
  expect(bootOrder(theirs).filter((device) => ourBoot.includes(device)), "boot order").toEqual(ourBoot);
  expect(bootOrder(theirs)[0]).toBe(ourBoot[0]);
  expect(smp(theirs)).toEqual(smp(ours));
  expect(memoryMiB(theirs)).toBe(memoryMiB(ours));
  expect(pflashFiles(theirs)).toEqual(pflashFiles(ours));
  expect(secureBootFlash(theirs)).toBe(secureBootFlash(ours));
  expect(hostForwards(theirs)).toEqual(hostForwards(ours));
  expect(hugepageBacking(theirs)).toBe(hugepageBacking(ours));
  return { ours, theirs };
}

describe("end to end: the real env-check on this host, qemu-setup and this plugin (plan --out)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "vmforge-libvirt-e2e-"));
  const config = join(dir, "e2e.toml");
  await writeFile(
    config,
    [
      "[vm]",
      'name = "e2e-1"',
      'guest = "none"',
      'accel = "tcg"',
      'description = "end to end: <b> & \\"quoted\\" ]]> 雪"',
      "[cpu]",
      "cores = 2",
      "[memory]",
      'size = "1GiB"',
      "[firmware]",
      'type = "uefi"',
      "[[disk]]",
      'size = "1GiB"',
      'bus = "virtio"',
      "boot_order = 1",
      "[[disk]]",
      'size = "1GiB"',
      'bus = "sata"',
      'serial = "sata-data"',
      "[[network]]",
      'mode = "user"',
      'forward = ["tcp:2222:22"]',
      "[display]",
      'type = "vnc"',
      'listen = "127.0.0.1"',
      "[output]",
      "libvirt_xml = true",
      "",
    ].join("\n"),
  );
  // The real env-check, reading the bundled snapshot of a real host rather than this machine.
  const run = await runPlan(config, [envCheckPlugin], join(examplesDir, "hosts", "z370-gt1030"));

  it("writes domain.xml under --out beside qemu-command.json, and records it in the session", async () => {
    expect(readdirSync(run.outputDir)).toEqual(expect.arrayContaining(["domain.xml", "qemu-command.json"]));
    expect(run.kernel.session.get(libvirtDomainKey)).toMatchObject({ path: join(run.outputDir, "domain.xml"), status: "done", domainType: "qemu" });
    const domain = parseDomain(await run.read("domain.xml"));
    expect(text(child(domain, "description"))).toBe('end to end: <b> & "quoted" ]]> 雪');
    expect(text(child(domain, "name"))).toBe("e2e-1");
    const definition = run.kernel.session.get(vmDefinitionKey)!;
    expect(children(child(domain, "devices"), "disk").map((disk) => attribute(child(disk, "source"), "file"))).toEqual(definition.disks.map((disk) => disk.path));
  });

  itWhen(tool("virt-xml-validate", "libvirt-clients"))("passes virt-xml-validate and libvirt's parser", async () => {
    const path = join(run.outputDir, "domain.xml");
    expect((await virtXmlValidate(path)).exitCode).toBe(0);
    const defined = await virshDefineOnTestDriver(path);
    expect(defined.exitCode, defined.output).toBe(0);
  });

  itWhen(convert)("libvirt turns it into the same devices as qemu-setup's command line (virsh domxml-to-native)", async () => {
    const { theirs } = await compareWithOurArgv(run);
    expect(theirs[0]).toMatch(/qemu-system-x86_64$/);
    expect(theirs).toContain("-accel");
  });

  itWhen(all(convert, tool("qemu-img", "qemu-utils"), ovmf()))("libvirt starts it (paused) once apply's disk images exist", async () => {
    // The plan copied the snapshot's placeholder vars; libvirt makes the VM's own from this machine's template.
    await rm(join(run.outputDir, "OVMF_VARS.fd"), { force: true });
    const { createImages } = qemuCommandSchema.pick({ createImages: true }).parse(JSON.parse(await run.read("qemu-command.json")));
    for (const image of createImages) await execa(image.argv[0]!, image.argv.slice(1));
    const result = await startPausedWithLibvirt(join(run.outputDir, "domain.xml"), "e2e-1", ["info block", "info usernet"]);
    expect(result.output).toContain("Domain 'e2e-1' created");
    for (const disk of run.kernel.session.get(vmDefinitionKey)!.disks) expect(result.output).toContain(disk.path);
    expect(result.output).toMatch(/HOST_FORWARD.*\b2222\b/);
    expect(result.output).toContain("Domain 'e2e-1' destroyed");
  }, 60_000);
});

describeWhen(convert)("every example: libvirt's QEMU command line has the devices of qemu-setup's", () => {
  const examples = readdirSync(examplesDir).filter((name) => name.endsWith(".toml")).sort();
  const host = fakeEnvironment({ hugepages: { sizeBytes: 2 * 1024 ** 2, total: 9000, free: 9000 } });

  it.each(examples)("%s", async (example) => {
    const run = await runPlan(await tomlWithLibvirtXml(join(examplesDir, example)), [fakeEnvCheckPlugin(host), await fakeLinuxPlugin({ media: true }), fakeVfioPlugin()]);
    const { ours } = await compareWithOurArgv(run);
    expect(deviceSignatures(ours).length).toBeGreaterThan(2);
  });
});

describeWhen(convert)("passthrough details reach QEMU through libvirt", () => {
  it("ROM file, x-vga on the primary GPU, multifunction, and the GPU's functions on one slot of one bus", async () => {
    const { xml } = plannableHere(renderDomainXml({ definition: passthroughUsb() }).xml);
    const vfio = devices(await libvirtQemuArgv(await writeTempXml(xml))).filter((device) => device.driver === "vfio-pci");
    expect(vfio.map((device) => device.props.host)).toEqual(["0000:01:00.0", "0000:01:00.1", "0000:05:00.0"]);
    const [gpu, audio, other] = vfio;
    expect(gpu!.props).toMatchObject({ romfile: "/var/lib/vmforge/roms/rtx3060.rom", "x-vga": "on", multifunction: "on", addr: "0x0" });
    expect(audio!.props).toMatchObject({ bus: gpu!.props.bus, addr: "0x0.0x1" });
    expect(other!.props.bus).not.toBe(gpu!.props.bus);
  });
});
