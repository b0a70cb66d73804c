import { describe, expect, it } from "vitest";
import { isVmforgeError } from "@vmforge/kernel";
import { LibvirtXmlErrorCode } from "../src/errors.js";
import { renderDomainXml } from "../src/xml/domain.js";
import { bios, biosMinimal, definition, disk, lookingGlassEvdev, nic, nvmeBridge, passthroughUsb, pinnedHyperv, secureBootTpm, seedIso, web1 } from "./support/definitions.js";
import { attribute, child, children, parseDomain, text, type ParsedElement } from "./support/parse-xml.js";

const render = (...args: Parameters<typeof renderDomainXml>) => {
  const result = renderDomainXml(...args);
  return { ...result, domain: parseDomain(result.xml) };
};
const devices = (domain: ParsedElement) => child(domain, "devices");
const attributesOf = (element: ParsedElement) => Object.fromEntries(Object.entries(element).filter(([key]) => key.startsWith("@_")).map(([key, value]) => [key.slice(2), value]));

describe("domain basics", () => {
  it("type follows the accelerator: kvm with KVM, qemu under TCG", () => {
    expect(render({ definition: web1() }).domainType).toBe("kvm");
    expect(attribute(render({ definition: web1() }).domain, "type")).toBe("kvm");
    expect(attribute(render({ definition: biosMinimal() }).domain, "type")).toBe("qemu");
  });

  it("name, uuid, description, memory in KiB, lifecycle actions", () => {
    const { domain } = render({ definition: web1() });
    expect(text(child(domain, "name"))).toBe("web-1");
    expect(text(child(domain, "uuid"))).toBe(web1().uuid);
    expect(text(child(domain, "description"))).toBe("A small Linux web server");
    expect(text(child(domain, "memory"))).toBe(String(2 * 1024 * 1024));
    expect(attribute(child(domain, "memory"), "unit")).toBe("KiB");
    expect(text(child(domain, "currentMemory"))).toBe(String(2 * 1024 * 1024));
    expect(text(child(domain, "vcpu"))).toBe("2");
    expect([text(child(domain, "on_poweroff")), text(child(domain, "on_reboot")), text(child(domain, "on_crash"))]).toEqual(["destroy", "restart", "destroy"]);
    expect(children(domain, "memoryBacking")).toEqual([]);
  });

  it("no description element when the definition has none", () => {
    expect(children(render({ definition: biosMinimal() }).domain, "description")).toEqual([]);
  });

  it("hugepages: memoryBacking with the page size in KiB, from a shared memfd allocated up front", () => {
    const backing = child(render({ definition: nvmeBridge() }).domain, "memoryBacking");
    expect(attributesOf(child(child(backing, "hugepages"), "page"))).toEqual({ size: "2048", unit: "KiB" });
    expect(attribute(child(backing, "source"), "type")).toBe("memfd");
    expect(attribute(child(backing, "access"), "mode")).toBe("shared");
    expect(attribute(child(backing, "allocation"), "mode")).toBe("immediate");
  });
});

describe("Looking Glass, evdev, 1 GiB pages", () => {
  it("<shmem name='looking-glass'> with ivshmem-plain and the size in M; evdev inputs; <page size='1' unit='G'/>", () => {
    const xml = renderDomainXml({ definition: lookingGlassEvdev("shm") }).xml;
    expect(xml).toContain('<shmem name="looking-glass">\n      <model type="ivshmem-plain"/>\n      <size unit="M">64</size>\n    </shmem>');
    expect(xml).toContain('<input type="evdev">\n      <source dev="/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd" grab="all" grabToggle="ctrl-ctrl" repeat="on"/>\n    </input>');
    expect(xml).toContain('<input type="evdev">\n      <source dev="/dev/input/by-id/usb-Logitech_USB_Mouse-event-mouse"/>\n    </input>');
    expect(xml).toContain('<page size="1" unit="G"/>');
    expect(xml).not.toContain("qemu:commandline");
  });

  it("kvmfr: no <shmem>; the object and the device in <qemu:commandline>, with a note", () => {
    const { xml, notes } = renderDomainXml({ definition: lookingGlassEvdev("kvmfr") });
    expect(xml).not.toContain("<shmem");
    expect(xml).toContain('<qemu:arg value="{&quot;qom-type&quot;:&quot;memory-backend-file&quot;,&quot;id&quot;:&quot;looking-glass&quot;,&quot;mem-path&quot;:&quot;/dev/kvmfr0&quot;,&quot;size&quot;:67108864,&quot;share&quot;:true}"/>');
    expect(notes.join("\n")).toContain("cgroup_device_acl");
  });
});

describe("cpu", () => {
  const cpuOf = (model: string, accelerator: "kvm" | "tcg") =>
    render({ definition: definition({ name: "cpu", accelerator: { type: accelerator, reason: "test" }, cpu: { model, qemuModel: model, sockets: 2, cores: 3, threads: 2, vcpus: 12 } }) });

  it.each([
    ["host-passthrough", "kvm", "host-passthrough"],
    ["host-model", "kvm", "host-model"],
    ["max", "kvm", "maximum"],
    ["max", "tcg", "maximum"],
    ["host-passthrough", "tcg", "maximum"],
    ["host-model", "tcg", "maximum"],
  ] as const)("%s under %s -> mode %s", (model, accelerator, mode) => {
    const { domain, notes } = cpuOf(model, accelerator);
    expect(attribute(child(domain, "cpu"), "mode")).toBe(mode);
    if (accelerator === "tcg" && model.startsWith("host")) expect(notes.join(" ")).toContain("needs KVM");
  });

  it("a named model is mode custom with that model and no fallback", () => {
    const cpu = child(cpuOf("Skylake-Client", "kvm").domain, "cpu");
    expect(attribute(cpu, "mode")).toBe("custom");
    expect(text(child(cpu, "model"))).toBe("Skylake-Client");
    expect(attribute(child(cpu, "model"), "fallback")).toBe("forbid");
  });

  it("topology multiplies out to the vCPU count", () => {
    const { domain } = cpuOf("max", "tcg");
    expect(attributesOf(child(child(domain, "cpu"), "topology"))).toEqual({ sockets: "2", cores: "3", threads: "2" });
    expect(text(child(domain, "vcpu"))).toBe("12");
  });

  it("a topology that does not is refused with E_LIBVIRT_XML_TOPOLOGY", () => {
    const broken = definition({ name: "cpu", cpu: { model: "max", qemuModel: "max", sockets: 2, cores: 2, threads: 1, vcpus: 3 } });
    expect(() => renderDomainXml({ definition: broken })).toThrow(expect.objectContaining({ code: LibvirtXmlErrorCode.topologyMismatch }));
  });
});

describe("firmware", () => {
  it("UEFI: explicit OVMF loader (pflash, read-only) and the per-VM NVRAM with its template; no firmware= autoselection", () => {
    const os = child(render({ definition: web1() }).domain, "os");
    expect(attribute(os, "firmware")).toBeUndefined();
    expect(attributesOf(child(os, "type"))).toEqual({ arch: "x86_64", machine: "q35" });
    expect(text(child(os, "loader"))).toBe("/usr/share/OVMF/OVMF_CODE_4M.fd");
    expect(attributesOf(child(os, "loader"))).toEqual({ readonly: "yes", secure: "no", type: "pflash" });
    expect(text(child(os, "nvram"))).toBe("/var/lib/vmforge/vms/web-1/OVMF_VARS.fd");
    expect(attribute(child(os, "nvram"), "template")).toBe("/usr/share/OVMF/OVMF_VARS_4M.fd");
  });

  it("secure boot: secure loader and the SMM feature; TPM 2.0 CRB emulated by swtpm", () => {
    const { domain } = render({ definition: secureBootTpm() });
    expect(attribute(child(child(domain, "os"), "loader"), "secure")).toBe("yes");
    expect(attribute(child(child(domain, "features"), "smm"), "state")).toBe("on");
    const tpm = child(devices(domain), "tpm");
    expect(attribute(tpm, "model")).toBe("tpm-crb");
    expect(attributesOf(child(tpm, "backend"))).toEqual({ type: "emulator", version: "2.0" });
  });

  it("BIOS: no loader, no nvram, no SMM, boot from the first disk", () => {
    const { domain } = render({ definition: definition({ name: "b", firmware: bios, disks: [disk("/r", 0)] }) });
    const os = child(domain, "os");
    expect(children(os, "loader")).toEqual([]);
    expect(children(os, "nvram")).toEqual([]);
    expect(attribute(child(os, "boot"), "dev")).toBe("hd");
    expect(children(child(domain, "features"), "smm")).toEqual([]);
    expect(Object.keys(child(domain, "features")).filter((key) => !key.startsWith("#"))).toEqual(["acpi", "apic"]);
  });

  it("UEFI without OVMF paths is refused with E_LIBVIRT_XML_FIRMWARE (exit 3: the host lacks OVMF)", () => {
    const firmware = { ...web1().firmware, code: null };
    try {
      renderDomainXml({ definition: { ...web1(), firmware } });
      throw new Error("accepted");
    } catch (error) {
      expect(isVmforgeError(error) && error.code).toBe(LibvirtXmlErrorCode.firmwareIncomplete);
      expect((error as { exitCode: number }).exitCode).toBe(3);
    }
  });
});

describe("disks and guest media", () => {
  it("virtio disk: qcow2 driver with discard, source, named backing store, vda, serial, boot order", () => {
    const [system] = children(devices(render({ definition: web1() }).domain), "disk");
    expect(attributesOf(system!)).toEqual({ type: "file", device: "disk" });
    expect(attributesOf(child(system!, "driver"))).toEqual({ name: "qemu", type: "qcow2", discard: "unmap" });
    expect(attribute(child(system!, "source"), "file")).toBe("/var/lib/vmforge/vms/web-1/disk0.qcow2");
    const backing = child(system!, "backingStore");
    expect(attribute(child(backing, "format"), "type")).toBe("qcow2");
    expect(attribute(child(backing, "source"), "file")).toBe("/var/lib/vmforge/images/debian-12-genericcloud-amd64.qcow2");
    expect(attributesOf(child(system!, "target"))).toEqual({ dev: "vda", bus: "virtio" });
    expect(text(child(system!, "serial"))).toBe("vmforge-disk0");
    expect(attribute(child(system!, "boot"), "order")).toBe("1");
  });

  it("per-device boot order replaces <os><boot dev>", () => {
    expect(children(child(render({ definition: web1() }).domain, "os"), "boot")).toEqual([]);
  });

  it("SATA and SCSI share the sd names; virtio counts on its own; readonly disks say so", () => {
    const runDir = "/r";
    const { domain } = render({
      definition: definition({
        name: "mix",
        disks: [disk(runDir, 0, { bus: "sata" }), disk(runDir, 1, { bus: "virtio" }), disk(runDir, 2, { bus: "scsi", readonly: true }), disk(runDir, 3, { bus: "virtio" })],
      }),
      media: [seedIso(runDir)],
    });
    const targets = children(devices(domain), "disk").map((entry) => attributesOf(child(entry, "target")));
    expect(targets).toEqual([
      { dev: "sda", bus: "sata" },
      { dev: "vda", bus: "virtio" },
      { dev: "sdb", bus: "scsi" },
      { dev: "vdb", bus: "virtio" },
      { dev: "sdc", bus: "sata" },
    ]);
    expect(children(children(devices(domain), "disk")[2]!, "readonly")).toHaveLength(1);
  });

  it("the seed ISO is a read-only SATA CD-ROM with a raw driver", () => {
    const media = children(devices(render({ definition: web1(), media: [seedIso("/var/lib/vmforge/vms/web-1")] }).domain), "disk").at(-1)!;
    expect(attributesOf(media)).toEqual({ type: "file", device: "cdrom" });
    expect(attributesOf(child(media, "driver"))).toEqual({ name: "qemu", type: "raw" });
    expect(attribute(child(media, "source"), "file")).toBe("/var/lib/vmforge/vms/web-1/seed.iso");
    expect(attributesOf(child(media, "target"))).toEqual({ dev: "sda", bus: "sata" });
    expect(children(media, "readonly")).toHaveLength(1);
  });

  it("a disk-kind medium is a virtio disk, read-only when asked", () => {
    const medium = { kind: "disk" as const, path: "/m/drivers.img", format: "raw" as const, readonly: true, producer: "test" };
    const entry = children(devices(render({ definition: web1(), media: [medium] }).domain), "disk").at(-1)!;
    expect(attributesOf(entry)).toEqual({ type: "file", device: "disk" });
    expect(attributesOf(child(entry, "target"))).toEqual({ dev: "vdb", bus: "virtio" });
    expect(children(entry, "readonly")).toHaveLength(1);
  });

  it("boot priorities of disks and media are renumbered 1..n without duplicates, ties in listing order", () => {
    const runDir = "/r";
    const { domain } = render({
      definition: definition({ name: "boot", disks: [disk(runDir, 0, { bootIndex: 3 }), disk(runDir, 1, { bootIndex: 1 })] }),
      media: [{ ...seedIso(runDir), bootIndex: 1 }],
    });
    const orders = children(devices(domain), "disk").map((entry) => attribute(child(entry, "boot"), "order"));
    expect(orders).toEqual(["3", "1", "2"]);
  });

  it('a medium with boot = "first" (an installer) boots before every disk; two of them in the order attached', () => {
    const runDir = "/r";
    const { domain } = render({
      definition: definition({ name: "boot", disks: [disk(runDir, 0, { bootIndex: 1 }), disk(runDir, 1, { bootIndex: 2 })] }),
      media: [{ ...seedIso(runDir), path: "/isos/install.iso", boot: "first" }, seedIso(runDir), { ...seedIso(runDir), path: "/isos/second.iso", boot: "first", bootIndex: 5 }],
    });
    const orders = children(devices(domain), "disk").map((entry) => children(entry, "boot").map((boot) => attribute(boot, "order"))[0]);
    expect(orders).toEqual(["3", "4", "1", undefined, "2"]);
    expect(children(child(domain, "os"), "boot")).toEqual([]);
  });

  it("NVMe (no libvirt 9.0 bus) goes to QEMU through <qemu:commandline> in the qemu namespace, with serial and boot index", () => {
    const { domain, notes } = render({ definition: nvmeBridge() });
    expect(attribute(domain, "xmlns:qemu")).toBe("http://libvirt.org/schemas/domain/qemu/1.0");
    const args = children(child(domain, "qemu:commandline"), "qemu:arg").map((arg) => attribute(arg, "value")!);
    expect(args.filter((_, index) => index % 2 === 0)).toEqual(["-blockdev", "-device"]);
    expect(JSON.parse(args[1]!)).toEqual({
      driver: "qcow2",
      "node-name": "vmforge-disk0",
      "read-only": false,
      discard: "unmap",
      file: { driver: "file", filename: "/var/lib/vmforge/vms/db-1/disk0.qcow2", "read-only": false, discard: "unmap" },
    });
    // JSON and no bus: QEMU creates it after libvirt's own (JSON) devices, on a free pcie.0 slot.
    expect(JSON.parse(args[3]!)).toEqual({ driver: "nvme", drive: "vmforge-disk0", id: "vmforge-disk0-dev", serial: "db1-system", bootindex: 0 });
    expect(children(devices(domain), "disk").map((entry) => attribute(child(entry, "target"), "dev"))).toEqual(["vda", "sda"]);
    expect(notes.join(" ")).toContain("NVMe");
  });

  it("an NVMe boot disk alone keeps boot index 0, leaving 1 to the disk libvirt's default <boot dev='hd'/> picks", () => {
    const { domain } = render({ definition: nvmeBridge() });
    expect(attribute(child(child(domain, "os"), "boot"), "dev")).toBe("hd");
    expect(children(devices(domain), "disk").flatMap((entry) => children(entry, "boot"))).toEqual([]);
  });

  it("with a libvirt disk that boots too, NVMe and libvirt disks share one 1..n numbering", () => {
    const runDir = "/r";
    const { domain } = render({ definition: definition({ name: "nb", disks: [disk(runDir, 0, { bus: "nvme", bootIndex: 1 }), disk(runDir, 1, { bootIndex: 2 })] }) });
    const args = children(child(domain, "qemu:commandline"), "qemu:arg").map((arg) => attribute(arg, "value"));
    expect(JSON.parse(args.at(-1)!)).toMatchObject({ driver: "nvme", bootindex: 1 });
    expect(attribute(child(child(devices(domain), "disk"), "boot"), "order")).toBe("2");
    expect(children(child(domain, "os"), "boot")).toEqual([]);
  });

  it("no qemu namespace when nothing needs it", () => {
    const { domain } = render({ definition: web1() });
    expect(attribute(domain, "xmlns:qemu")).toBeUndefined();
    expect(children(domain, "qemu:commandline")).toEqual([]);
  });
});

describe("network", () => {
  const interfaces = (domain: ParsedElement) => children(devices(domain), "interface");

  it("user -> type user; bridge -> source bridge; macvtap -> direct in bridge mode; tap -> ethernet on the existing tap", () => {
    expect(attribute(interfaces(render({ definition: web1() }).domain)[0]!, "type")).toBe("user");
    const [bridge, macvtap, tap] = interfaces(render({ definition: nvmeBridge() }).domain);
    expect(attribute(bridge!, "type")).toBe("bridge");
    expect(attribute(child(bridge!, "source"), "bridge")).toBe("br0");
    expect(attribute(child(bridge!, "mac"), "address")).toBe("52:54:00:ab:cd:01");
    expect(attribute(child(bridge!, "model"), "type")).toBe("virtio");
    expect(attribute(macvtap!, "type")).toBe("direct");
    expect(attributesOf(child(macvtap!, "source"))).toEqual({ dev: "enp3s0", mode: "bridge" });
    expect(attribute(tap!, "type")).toBe("ethernet");
    expect(attributesOf(child(tap!, "target"))).toEqual({ dev: "tap-db1", managed: "no" });
    expect(attribute(child(tap!, "model"), "type")).toBe("e1000e");
  });

  it("user networking with port forwards goes to QEMU as -netdev user,hostfwd=... (libvirt 9.0 has no slirp port forwards)", () => {
    const { domain, notes } = render({ definition: secureBootTpm() });
    expect(interfaces(domain)).toEqual([]);
    const args = children(child(domain, "qemu:commandline"), "qemu:arg").map((arg) => attribute(arg, "value"));
    expect(args.slice(0, 3)).toEqual(["-netdev", "user,id=vmforge-net0,hostfwd=tcp::33890-:3389", "-device"]);
    expect(JSON.parse(args[3]!)).toEqual({ driver: "e1000e", netdev: "vmforge-net0", id: "vmforge-net0-dev", mac: "52:54:00:12:34:56" });
    expect(notes.join(" ")).toContain("port forwards");
  });

  it("a bridge name libvirt would refuse is refused with E_LIBVIRT_XML_INVALID_VALUE", () => {
    const bad = definition({ name: "n", nics: [nic(0, { mode: "bridge", bridge: "br 0" })] });
    expect(() => renderDomainXml({ definition: bad })).toThrow(expect.objectContaining({ code: LibvirtXmlErrorCode.invalidValue }));
  });
});

describe("passthrough", () => {
  const { domain, notes } = render({ definition: passthroughUsb() });
  const hostdevs = children(devices(domain), "hostdev");

  it("PCI hostdevs are managed subsystem devices on vfio with the host address and the ROM", () => {
    const pci = hostdevs.filter((hostdev) => attribute(hostdev, "type") === "pci");
    expect(pci).toHaveLength(3);
    for (const hostdev of pci) expect(attributesOf(hostdev)).toEqual({ mode: "subsystem", type: "pci", managed: "yes" });
    expect(attribute(child(pci[0]!, "driver"), "name")).toBe("vfio");
    expect(attributesOf(child(child(pci[0]!, "source"), "address"))).toEqual({ domain: "0x0000", bus: "0x01", slot: "0x00", function: "0x0" });
    expect(attribute(child(pci[0]!, "rom"), "file")).toBe("/var/lib/vmforge/roms/rtx3060.rom");
    expect(children(pci[1]!, "rom")).toEqual([]);
  });

  it("the GPU's functions share a root port of their own, function 0 multifunction, function numbers kept", () => {
    const pci = hostdevs.filter((hostdev) => attribute(hostdev, "type") === "pci");
    const [gpu, audio, nicDevice] = pci.map((hostdev) => children(hostdev, "address")[0]);
    expect(attributesOf(gpu!)).toEqual({ type: "pci", domain: "0x0000", bus: "0x03", slot: "0x00", function: "0x0", multifunction: "on" });
    expect(attributesOf(audio!)).toEqual({ type: "pci", domain: "0x0000", bus: "0x03", slot: "0x00", function: "0x1" });
    expect(nicDevice).toBeUndefined();
    const rootPorts = children(devices(domain), "controller").filter((controller) => attribute(controller, "model") === "pcie-root-port");
    expect(rootPorts.map((controller) => attribute(controller, "index"))).toEqual(["1", "2", "3"]);
  });

  it("the primary GPU gets x-vga through <qemu:override> on its user alias", () => {
    const gpu = hostdevs[0]!;
    expect(attribute(child(gpu, "alias"), "name")).toBe("ua-hostdev-0000-01-00-0");
    const device = child(child(domain, "qemu:override"), "qemu:device");
    expect(attribute(device, "alias")).toBe("ua-hostdev-0000-01-00-0");
    expect(attributesOf(child(child(device, "qemu:frontend"), "qemu:property"))).toEqual({ name: "x-vga", type: "bool", value: "true" });
    expect(notes.join(" ")).toContain("x-vga");
  });

  it("more passthrough slots than root ports can address are refused with E_LIBVIRT_XML_TOO_MANY_DEVICES", () => {
    const slots = Array.from({ length: 260 }, (_, index) => ({
      kind: "pci" as const,
      address: `0000:${(1 + Math.floor(index / 32)).toString(16).padStart(2, "0")}:${(index % 32).toString(16).padStart(2, "0")}.0`,
      multifunction: true,
      romFile: null,
      producer: "test",
    }));
    expect(() => renderDomainXml({ definition: definition({ name: "many", hostDevices: slots }) })).toThrow(expect.objectContaining({ code: LibvirtXmlErrorCode.tooManyDevices }));
  });

  it("USB host devices by vendor and product id", () => {
    const usb = hostdevs.filter((hostdev) => attribute(hostdev, "type") === "usb");
    expect(usb.map((hostdev) => [attribute(child(child(hostdev, "source"), "vendor"), "id"), attribute(child(child(hostdev, "source"), "product"), "id")])).toEqual([
      ["0x046d", "0xc52b"],
      ["0x1050", "0x0407"],
    ]);
  });

  it("a lone function without function 0 becomes guest function 0 of its own slot", () => {
    const device = { kind: "pci" as const, address: "0000:0a:00.1", multifunction: true, romFile: null, producer: "test" };
    const { domain: single } = render({ definition: definition({ name: "fn1", hostDevices: [device] }) });
    const address = child(child(devices(single), "hostdev"), "address");
    expect(attribute(address, "function")).toBe("0x0");
    expect(attribute(address, "multifunction")).toBe("on");
  });
});

describe("controllers, console, display and the rest", () => {
  it("controllers by QEMU model: pcie-root 0, SATA, qemu-xhci with 15 ports, virtio-scsi, virtio-serial, root ports from 1", () => {
    const controllers = children(devices(render({ definition: nvmeBridge() }).domain), "controller").map(attributesOf);
    expect(controllers).toEqual([
      { type: "pci", index: "0", model: "pcie-root" },
      { type: "sata", index: "0" },
      { type: "usb", index: "0", model: "qemu-xhci", ports: "15" },
      { type: "scsi", index: "0", model: "virtio-scsi" },
      { type: "virtio-serial", index: "0" },
    ]);
  });

  it("serial console on a pty (virsh console) logged to runDir/serial.log, guest agent channel, virtio RNG, tablet, no balloon", () => {
    const all = devices(render({ definition: web1() }).domain);
    expect(attribute(child(all, "serial"), "type")).toBe("pty");
    expect(attributesOf(child(child(all, "serial"), "log"))).toEqual({ file: "/var/lib/vmforge/vms/web-1/serial.log", append: "off" });
    expect(attributesOf(child(child(all, "console"), "target"))).toEqual({ type: "serial", port: "0" });
    expect(attributesOf(child(child(all, "channel"), "target"))).toEqual({ type: "virtio", name: "org.qemu.guest_agent.0" });
    expect(attribute(child(all, "rng"), "model")).toBe("virtio");
    expect(text(child(child(all, "rng"), "backend"))).toBe("/dev/urandom");
    expect(attributesOf(child(all, "input"))).toEqual({ type: "tablet", bus: "usb" });
    expect(attribute(child(all, "memballoon"), "model")).toBe("none");
    expect(children(all, "graphics")).toEqual([]);
    expect(children(all, "video")).toEqual([]);
    expect(text(child(all, "emulator"))).toBe("/usr/bin/qemu-system-x86_64");
  });

  it("no RNG and no agent channel when the definition has none", () => {
    const all = devices(render({ definition: biosMinimal() }).domain);
    expect(children(all, "rng")).toEqual([]);
    expect(children(all, "channel")).toEqual([]);
  });

  it("VNC on the given port and address with virtio video; SPICE with autoport and QXL", () => {
    const vnc = devices(render({ definition: nvmeBridge() }).domain);
    expect(attributesOf(child(vnc, "graphics"))).toEqual({ type: "vnc", port: "5901", autoport: "no", listen: "127.0.0.1" });
    expect(attributesOf(child(child(vnc, "graphics"), "listen"))).toEqual({ type: "address", address: "127.0.0.1" });
    expect(attribute(child(child(vnc, "video"), "model"), "type")).toBe("virtio");
    const spice = devices(render({ definition: secureBootTpm() }).domain);
    expect(attributesOf(child(spice, "graphics"))).toEqual({ type: "spice", autoport: "yes", listen: "127.0.0.1" });
    expect(attribute(child(child(spice, "video"), "model"), "type")).toBe("qxl");
  });

  it("a gtk window becomes SPICE on the loopback address, with a note", () => {
    const { domain, notes } = render({ definition: definition({ name: "g", display: { type: "gtk", listen: null, port: null, video: "std" } }) });
    expect(attribute(child(devices(domain), "graphics"), "type")).toBe("spice");
    expect(attribute(child(child(devices(domain), "video"), "model"), "type")).toBe("vga");
    expect(notes.join(" ")).toContain("gtk");
  });

  it("the emulator is the QEMU binary given (the command line's)", () => {
    const { domain } = render({ definition: web1(), emulator: "/usr/local/bin/qemu-system-x86_64" });
    expect(text(child(devices(domain), "emulator"))).toBe("/usr/local/bin/qemu-system-x86_64");
  });

  it("the same definition gives the same bytes", () => {
    expect(renderDomainXml({ definition: passthroughUsb() }).xml).toBe(renderDomainXml({ definition: passthroughUsb() }).xml);
  });
});

describe("CPU pinning and Hyper-V", () => {
  it("<cputune>: each vCPU on its host CPU in vCPU order, the emulator beside them", () => {
    const xml = renderDomainXml({ definition: pinnedHyperv() }).xml;
    expect(xml).toContain('<vcpupin vcpu="0" cpuset="4"/>\n    <vcpupin vcpu="1" cpuset="12"/>');
    expect(xml).toContain('<vcpupin vcpu="7" cpuset="15"/>');
    expect(xml).toContain('<emulatorpin cpuset="0,1,2,3,8,9,10,11"/>');
    expect(xml).not.toContain("iothreadpin");
    expect(xml).toMatch(/<cpu mode="host-passthrough"[^>]*>\s*<topology sockets="1" cores="4" threads="2"\/>\s*<cache mode="passthrough"\/>\s*<feature policy="require" name="topoext"\/>/);
  });

  it("<hyperv mode='custom'> with every enlightenment, stimer direct, the vendor id; KVM hidden; the Hyper-V clock", () => {
    const xml = renderDomainXml({ definition: pinnedHyperv() }).xml;
    for (const name of ["relaxed", "vapic", "vpindex", "runtime", "synic", "reset", "frequencies", "tlbflush", "ipi"]) expect(xml).toContain(`<${name} state="on"/>`);
    expect(xml).toContain('<spinlocks state="on" retries="8191"/>');
    expect(xml).toContain('<stimer state="on">\n        <direct state="on"/>\n      </stimer>');
    expect(xml).toContain('<vendor_id state="on" value="vmforge"/>');
    expect(xml).toContain('<kvm>\n      <hidden state="on"/>\n    </kvm>');
    expect(xml).toContain('<timer name="hypervclock" present="yes"/>');
  });

  it("hide_hypervisor alone: a vendor id and KVM hidden, no enlightenment; none of it without hyperv in the definition", () => {
    const base = pinnedHyperv();
    const hidden = renderDomainXml({ definition: { ...base, cpu: { ...base.cpu, hyperv: { ...base.cpu.hyperv!, enlightenments: [], stimerDirect: false } } } }).xml;
    expect(hidden).toMatch(/<hyperv mode="custom">\s*<vendor_id state="on" value="vmforge"\/>\s*<\/hyperv>/);
    expect(hidden).not.toContain("hypervclock");
    const plain = renderDomainXml({ definition: web1() }).xml;
    for (const absent of ["<hyperv", "<kvm>", "<cputune>", "<cache", "topoext"]) expect(plain).not.toContain(absent);
  });
});
