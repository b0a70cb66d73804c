import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { itWhen, tool } from "@vmforge/test-support";
import { isVmforgeError } from "@vmforge/kernel";
import { LibvirtXmlErrorCode } from "../src/errors.js";
import { renderDomainXml } from "../src/xml/domain.js";
import { element, textElement } from "../src/xml/node.js";
import { serializeDomain } from "../src/xml/serialize.js";
import { definition, disk, passthroughUsb } from "./support/definitions.js";
import { attribute, child, children, parseDomain, text } from "./support/parse-xml.js";
import { virshDefineAndDump, virshDefineOnTestDriver, virtXmlValidate, writeTempXml } from "./support/libvirt-tools.js";

// Everything XML treats specially, a CDATA terminator, markup that would close the element, and text outside the BMP.
const HOSTILE = `a<b & c>d "double" 'single' ]]> </description><name>evil</name> &amp; &#x41; é 雪 🦀 \u202Ertl`;
const HOSTILE_PATH = `/srv/vm's "disks"/a&b <c> ]]> 雪 🦀.qcow2`;

function hostileDefinition() {
  const runDir = "/srv/vm's <run> & more";
  return definition({
    name: "hostile-1",
    runDir,
    description: `${HOSTILE}\nsecond line\twith a tab`,
    disks: [disk(runDir, 0, { path: HOSTILE_PATH, bootIndex: 1, source: "backing", backing: { path: `${HOSTILE_PATH}.base`, format: "qcow2" } }), disk(runDir, 1, { bus: "nvme", path: `/srv/a,b "c" & <d>.qcow2` })],
    firmware: {
      type: "uefi",
      code: "/opt/ovmf & co/<code>.fd",
      varsTemplate: "/opt/ovmf & co/\"vars\".fd",
      vars: `${runDir}/vars ]]>.fd`,
      secureBoot: true,
      tpm: true,
      tpmSocket: `${runDir}/tpm.sock`,
    },
    hostDevices: passthroughUsb().hostDevices.map((device) => (device.romFile ? { ...device, romFile: "/roms/<gpu> & \"vbios\".rom" } : device)),
  });
}

describe("XMLBuilder with the options serialize.ts chooses", () => {
  it("escapes < & > \" ' in attributes and in text", () => {
    const xml = serializeDomain({ name: textElement(`<&>"'`), devices: { disk: element({ file: `<&>"'` }) } });
    expect(xml).toContain("<name>&lt;&amp;&gt;&quot;&apos;</name>");
    expect(xml).toContain('file="&lt;&amp;&gt;&quot;&apos;"');
  });

  it("writes an attribute whose value is the string true with its value (no bare boolean attribute)", () => {
    expect(serializeDomain(element({ value: "true" }))).toContain('value="true"');
  });

  it("keeps an existing entity-looking text literal: &amp; is escaped again, not passed through", () => {
    expect(serializeDomain({ name: textElement("&amp;") })).toContain("<name>&amp;amp;</name>");
  });
});

describe("a definition full of characters XML treats specially", () => {
  const definitionWithHostileText = hostileDefinition();
  const { xml } = renderDomainXml({
    definition: definitionWithHostileText,
    media: [{ kind: "cdrom", path: `/seeds/${HOSTILE.replace(/\//g, "_")}.iso`, format: "raw", readonly: true, producer: "test" }],
  });

  itWhen(tool("xmllint", "libxml2-utils"))("is well-formed XML (xmllint --noout)", () => {
    expect(() => execFileSync("xmllint", ["--noout", "-"], { input: xml, stdio: ["pipe", "pipe", "pipe"] })).not.toThrow();
  });

  it("parses back to exactly the strings it was given", () => {
    const domain = parseDomain(xml);
    expect(text(child(domain, "name"))).toBe("hostile-1");
    expect(text(child(domain, "description"))).toBe(definitionWithHostileText.description);
    const os = child(domain, "os");
    expect(text(child(os, "loader"))).toBe("/opt/ovmf & co/<code>.fd");
    expect(attribute(child(os, "nvram"), "template")).toBe('/opt/ovmf & co/"vars".fd');
    expect(text(child(os, "nvram"))).toBe(definitionWithHostileText.firmware.vars);
    const disks = children(child(domain, "devices"), "disk");
    expect(attribute(child(disks[0]!, "source"), "file")).toBe(HOSTILE_PATH);
    expect(attribute(child(child(disks[0]!, "backingStore"), "source"), "file")).toBe(`${HOSTILE_PATH}.base`);
    expect(attribute(child(disks[1]!, "source"), "file")).toBe(`/seeds/${HOSTILE.replace(/\//g, "_")}.iso`);
    const rom = children(child(domain, "devices"), "hostdev").map((hostdev) => children(hostdev, "rom")[0]).find(Boolean);
    expect(attribute(rom!, "file")).toBe('/roms/<gpu> & "vbios".rom');
    // The NVMe path reaches QEMU through <qemu:arg> as JSON (no QEMU comma escaping), XML-escaped around it.
    const qemuArgs = children(child(domain, "qemu:commandline"), "qemu:arg").map((arg) => attribute(arg, "value")!);
    expect(JSON.parse(qemuArgs[1]!).file.filename).toBe(`/srv/a,b "c" & <d>.qcow2`);
  });

  itWhen(tool("virt-xml-validate", "libvirt-clients"))("passes virt-xml-validate", async () => {
    const result = await virtXmlValidate(await writeTempXml(xml));
    expect(result.exitCode, result.output).toBe(0);
  });

  itWhen(tool("virsh", "libvirt-clients"))("is accepted by libvirt's parser, which reads the same strings back", async () => {
    const path = await writeTempXml(xml);
    expect((await virshDefineOnTestDriver(path)).exitCode).toBe(0);
    const dumped = parseDomain(await virshDefineAndDump(path, "hostile-1"));
    expect(text(child(dumped, "description"))).toBe(definitionWithHostileText.description);
    expect(attribute(child(children(child(dumped, "devices"), "disk")[0]!, "source"), "file")).toBe(HOSTILE_PATH);
    expect(text(child(child(dumped, "os"), "loader"))).toBe("/opt/ovmf & co/<code>.fd");
  });
});

describe("text XML cannot carry is refused with a stable code, naming the field", () => {
  const expectCode = (build: () => unknown, code: string, field: string) => {
    try {
      build();
    } catch (error) {
      expect(isVmforgeError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toContain(field);
      expect((error as { exitCode: number }).exitCode).toBe(2);
      return;
    }
    throw new Error("no error");
  };

  it.each([
    ["a control character in the description", { description: "bell\u0007" }, "vm.description"],
    ["a lone surrogate in the description", { description: "half \uD83E pair" }, "vm.description"],
    ["a NUL in a disk path", { disks: [disk("/r", 0, { path: "/r/a\u0000b.qcow2" })] }, "disk[0].path"],
    ["a newline in a disk path (an attribute would turn it into a space)", { disks: [disk("/r", 0, { path: "/r/a\nb.qcow2" })] }, "disk[0].path"],
    ["a tab in the OVMF vars path (element text, but a path all the same)", { firmware: { ...definition({ name: "f" }).firmware, vars: "/r/a\tb.fd" } }, "firmware.vars"],
  ])("%s", (_label, overrides, field) => {
    expectCode(() => renderDomainXml({ definition: definition({ name: "bad-text", ...overrides }) }), LibvirtXmlErrorCode.unrepresentableText, field);
  });

  it("a disk serial outside libvirt's pattern is refused before libvirt would refuse the whole domain", () => {
    expectCode(() => renderDomainXml({ definition: definition({ name: "bad-serial", disks: [disk("/r", 0, { serial: "a/b" })] }) }), LibvirtXmlErrorCode.invalidValue, "disk[0].serial");
  });

  it("CRLF in the description becomes LF (what any XML reader would make of it)", () => {
    const { xml } = renderDomainXml({ definition: definition({ name: "crlf", description: "one\r\ntwo\rthree" }) });
    expect(text(child(parseDomain(xml), "description"))).toBe("one\ntwo\nthree");
  });
});
