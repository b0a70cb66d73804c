import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceDir } from "@vmforge/test-support";
import { renderDomainXml } from "../src/xml/domain.js";
import { definition, disk, nic, seedIso } from "./support/definitions.js";
import { attribute, child, children, parseDomain, text, type ParsedElement } from "./support/parse-xml.js";

/*
 * virt-install-final.xml is `virt-install --memory 2048 --vcpus 2 --disk size=10 --import
 * --cloud-init ... --network user --graphics none` (BIOS, TCG). The same VM as a definition
 * must give the same kinds of devices with the same meaning; bytes differ (addresses, order,
 * virt-install's 14 spare root ports and its balloon).
 */
function similarDefinition() {
  const runDir = "/var/lib/libvirt/images";
  return definition({
    name: "t",
    runDir,
    accelerator: { type: "tcg", reason: "as the reference" },
    cpu: { model: "max", qemuModel: "max", sockets: 2, cores: 1, threads: 1, vcpus: 2 },
    firmware: { type: "bios", code: null, varsTemplate: null, vars: null, secureBoot: false, tpm: false, tpmSocket: null },
    disks: [disk(runDir, 0, { path: `${runDir}/t.qcow2`, sizeBytes: 10 * 1024 ** 3, serial: "" })],
    nics: [nic(0, { mode: "user", mac: "52:54:00:26:82:c1" })],
    input: [],
  });
}

const deviceSummary = (devices: ParsedElement) => ({
  disks: children(devices, "disk").map((entry) => ({
    device: attribute(entry, "device"),
    bus: attribute(child(entry, "target"), "bus"),
    dev: attribute(child(entry, "target"), "dev"),
    format: children(entry, "driver")[0] ? attribute(child(entry, "driver"), "type") : undefined,
    readonly: children(entry, "readonly").length > 0,
  })),
  interfaces: children(devices, "interface").map((entry) => ({ type: attribute(entry, "type"), model: attribute(child(entry, "model"), "type"), mac: attribute(child(entry, "mac"), "address") })),
  consoles: children(devices, "console").map((entry) => attribute(entry, "type")),
  agentChannels: children(devices, "channel").map((entry) => attribute(child(entry, "target"), "name")),
  rng: children(devices, "rng").map((entry) => [attribute(entry, "model"), attribute(child(entry, "backend"), "model"), text(child(entry, "backend"))]),
  usbControllers: children(devices, "controller").filter((entry) => attribute(entry, "type") === "usb").map((entry) => attribute(entry, "model")),
  pcieRoot: children(devices, "controller").some((entry) => attribute(entry, "model") === "pcie-root"),
  graphics: children(devices, "graphics").length,
});

describe("against virt-install's domain for a similar VM", async () => {
  const reference = parseDomain(await readFile(join(referenceDir, "virt-install-final.xml"), "utf8"));
  const ours = parseDomain(renderDomainXml({ definition: similarDefinition(), media: [seedIso("/var/lib/libvirt/images")] }).xml);

  it("same domain type, memory, vCPUs, machine and boot disk", () => {
    expect(attribute(ours, "type")).toBe(attribute(reference, "type"));
    const kib = (domain: ParsedElement) => Number(text(child(domain, "memory"))) * (attribute(child(domain, "memory"), "unit") === "KiB" || !attribute(child(domain, "memory"), "unit") ? 1 : Number.NaN);
    expect(kib(ours)).toBe(kib(reference));
    expect(text(child(ours, "vcpu"))).toBe(text(child(reference, "vcpu")));
    expect(attribute(child(child(ours, "os"), "type"), "machine")).toBe(attribute(child(child(reference, "os"), "type"), "machine"));
    expect(text(child(child(ours, "os"), "type"))).toBe("hvm");
  });

  it("same features, clock and power management", () => {
    const keys = (element: ParsedElement) => Object.keys(element).filter((key) => !key.startsWith("#")).sort();
    expect(keys(child(ours, "features"))).toEqual(keys(child(reference, "features")));
    const timers = (domain: ParsedElement) => children(child(domain, "clock"), "timer").map((timer) => JSON.stringify(Object.entries(timer).filter(([key]) => key.startsWith("@_")).sort()));
    expect(timers(ours)).toEqual(timers(reference));
    expect(attribute(child(ours, "clock"), "offset")).toBe(attribute(child(reference, "clock"), "offset"));
    expect(keys(child(ours, "pm"))).toEqual(keys(child(reference, "pm")));
  });

  it("the same kinds of devices: virtio qcow2 disk, SATA CD-ROM seed, user NIC with virtio, pty console, agent channel, virtio RNG, qemu-xhci, pcie-root, no graphics", () => {
    const theirs = deviceSummary(child(reference, "devices"));
    const mine = deviceSummary(child(ours, "devices"));
    expect(mine.interfaces).toEqual(theirs.interfaces);
    expect(mine.consoles).toEqual(theirs.consoles);
    expect(mine.agentChannels).toEqual(theirs.agentChannels);
    expect(mine.rng).toEqual(theirs.rng);
    expect(mine.usbControllers).toEqual(theirs.usbControllers);
    expect(mine.pcieRoot).toBe(theirs.pcieRoot);
    expect(mine.graphics).toBe(theirs.graphics);
    // The reference's CD-ROM carries no driver (the seed is ejected after the first boot); compare what both have.
    const withoutFormat = (disks: typeof mine.disks) => disks.map(({ format: _format, ...rest }) => rest);
    expect(withoutFormat(mine.disks)).toEqual(withoutFormat(theirs.disks));
    expect(mine.disks[0]!.format).toBe(theirs.disks[0]!.format);
  });

  it("the system disk has the same source and discard policy", () => {
    const disk0 = (domain: ParsedElement) => children(child(domain, "devices"), "disk")[0]!;
    expect(attribute(child(disk0(ours), "source"), "file")).toBe(attribute(child(disk0(reference), "source"), "file"));
    expect(attribute(child(disk0(ours), "driver"), "discard")).toBe(attribute(child(disk0(reference), "driver"), "discard"));
  });
});
