import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "smol-toml";
import { describe, expect, it } from "vitest";
import { isVmforgeError, type Problem } from "@vmforge/kernel";
import { vmDefinitionSchema, userVmRequestSchema } from "../src/contract.js";
import { assembleDefinition } from "../src/assemble-definition.js";
import { defineCpuRam } from "../src/define-hardware.js";
import { defineNetworking } from "../src/define-networking.js";
import { defineStorage } from "../src/define-storage.js";
import { loadVmRequest } from "../src/load-request.js";
import { buildQemuInvocation } from "../src/qemu-args.js";
import { validateVmRequest, validationError } from "../src/validate-request.js";
import { fakeEnvironment } from "./support/environment.js";

/*
 * Thousands of generated requests, valid and broken, at the loader and the validator: nothing
 * crashes (only VmforgeError), every rejection carries a code and a key path, every acceptance
 * yields a definition that passes vm_definition's schema and a command QEMU's parser could take.
 */

const RUNS = Number(process.env.VMFORGE_PROPERTY_RUNS ?? 1500);

/** Real files for disks that name existing images (absolute paths, so no TOML folder is needed). */
const filesDir = mkdtempSync(join(tmpdir(), "vmforge-qemu-prop-"));
const files = {
  base: join(filesDir, "base.img"),
  existing: [0, 1, 2, 3].map((index) => join(filesDir, `disk-${index}.img`)),
};
for (const path of [files.base, ...files.existing]) writeFileSync(path, Buffer.alloc(512));

const odd = fc.oneof(
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.boolean(),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom("", " ", "🙂", "é", "\u0000x", "a,b", "$(id)", "-1GiB", "0B", "8 gb", "1e3MiB", "99999999999TiB", "1.0000000001GiB", "0x10", "NaN", "inf"),
  fc.date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }),
  fc.constant([]),
  fc.array(fc.integer(), { maxLength: 3 }),
);

/** Deep tables and arrays of them. */
const deep = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, odd, fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie("node"), { maxKeys: 3 }), fc.array(tie("node"), { maxLength: 3 })),
})).node;

/**
 * A document generator: with `broken`, any value may be of the wrong type, a huge or negative
 * number, an odd unit, unicode or a deep table, and unknown keys and tables appear.
 */
function documentArbitrary(broken: boolean) {
  const value = <T>(valid: fc.Arbitrary<T>, invalid?: fc.Arbitrary<unknown>) =>
    broken ? fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: invalid ?? odd }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: deep }) : valid;
  const optional = <T extends Record<string, fc.Arbitrary<unknown>>>(record: T, junk?: string) =>
    fc.record(broken && junk ? { ...record, [junk]: odd } : record, { requiredKeys: [] });
  const size = value(
    fc.oneof(fc.constantFrom("2GiB", "512MiB", "1.5G", "20GiB", "64M", "1T"), fc.tuple(fc.integer({ min: 16, max: 65536 }), fc.constantFrom("MiB", "M")).map(([n, unit]) => `${n}${unit}`)),
    fc.tuple(fc.integer({ min: -5, max: 2 ** 40 }), fc.constantFrom("B", "KiB", "TiB", "kb", "Gb", "", " GiB")).map(([n, unit]) => `${n}${unit}`),
  );
  const ifname = value(fc.constantFrom("br0", "eth0", "virbr0", "tap0"), fc.string({ maxLength: 18 }));
  const hex4 = value(fc.stringMatching(/^(0x)?[0-9a-fA-F]{4}$/), fc.string({ maxLength: 6 }));
  const tables = {
    vm: fc.record({
      name: value(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.string({ unit: "grapheme", maxLength: 10 })),
      guest: value(fc.constantFrom("none", "linux", "windows"), fc.constantFrom("Linux", "", "win 11")),
      accel: value(fc.constantFrom("auto", "kvm", "tcg"), fc.constantFrom("hvf", "KVM")),
      guest_agent: value(fc.boolean()),
      rng: value(fc.boolean()),
    }, { requiredKeys: broken ? [] : ["name"] }),
    cpu: optional({ sockets: value(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -2, max: 400 })), cores: value(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -2, max: 400 })), threads: value(fc.integer({ min: 1, max: 2 })), model: value(fc.constantFrom("host-passthrough", "host-model", "max", "Skylake-Client"), fc.constantFrom("qemu64,+vmx", "")) }, "coers"),
    memory: optional({ size, hugepages: value(fc.boolean()) }, "szie"),
    firmware: broken
      ? optional({ type: value(fc.constantFrom("uefi", "bios"), fc.constant("coreboot")), secure_boot: value(fc.boolean()), tpm: value(fc.boolean()), code: value(fc.constantFrom("/usr/share/OVMF/OVMF_CODE_4M.fd", "/nonexistent/code.fd")) })
      : fc.oneof(fc.record({ type: fc.constant("uefi"), secure_boot: fc.boolean(), tpm: fc.boolean() }, { requiredKeys: [] }), fc.record({ type: fc.constant("bios"), tpm: fc.boolean() }, { requiredKeys: ["type"] })),
    disk: broken
      ? fc.array(
          optional(
            {
              size,
              path: value(fc.constantFrom("a.qcow2", "/dev/null", "/nonexistent/x.img", "dir/,odd name.img", "/etc/hostname"), fc.string({ unit: "grapheme", maxLength: 12 })),
              backing: value(fc.constantFrom("base.qcow2", "/etc/hostname")),
              format: value(fc.constantFrom("qcow2", "raw"), fc.constant("vmdk")),
              bus: value(fc.constantFrom("virtio", "nvme", "sata", "scsi"), fc.constant("ide")),
              serial: value(fc.stringMatching(/^[a-z0-9]{1,20}$/), fc.string({ maxLength: 24 })),
              boot_order: value(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 2000 })),
              readonly: value(fc.boolean()),
              discard: value(fc.boolean()),
            },
            "buss",
          ),
          { maxLength: 9 },
        )
      : fc
          .array(
            fc.oneof(
              fc.record({ size, format: fc.constantFrom("qcow2", "raw"), bus: fc.constantFrom("virtio", "nvme", "sata", "scsi"), discard: fc.boolean() }, { requiredKeys: ["size"] }),
              fc.record({ path: fc.constant("existing"), bus: fc.constantFrom("virtio", "sata", "scsi"), readonly: fc.boolean() }, { requiredKeys: ["path"] }),
              fc.record({ backing: fc.constant(files.base), size, bus: fc.constantFrom("virtio", "nvme") }, { requiredKeys: ["backing"] }),
            ),
            { maxLength: 4 },
          )
          .map((disks) => disks.map((disk, index) => ("path" in disk ? { ...disk, path: files.existing[index]! } : disk))),
    network: broken
      ? fc.array(
          optional(
            {
              mode: value(fc.constantFrom("user", "bridge", "tap", "macvtap"), fc.constant("nat")),
              bridge: ifname,
              tap: ifname,
              device: ifname,
              mac: value(fc.stringMatching(/^[0-9a-f][02468ace](:[0-9a-fA-F]{2}){5}$/), fc.constantFrom("01:00:5e:00:00:01", "52:54:00:00:00:0")),
              model: value(fc.constantFrom("virtio", "e1000e"), fc.constant("rtl8139")),
              forward: value(fc.array(fc.constantFrom("tcp:2222:22", "udp:1:65535", "2222:22"), { maxLength: 3 }), fc.array(fc.constantFrom("tcp:0:22", "sctp:1:2", "tcp:70000:1"), { maxLength: 2 })),
            },
            "mdoe",
          ),
          { maxLength: 3 },
        )
      : fc
          .array(
            fc.oneof(
              fc.record({ mode: fc.constant("user"), model: fc.constantFrom("virtio", "e1000e"), forward: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 }).map((ports) => ports.map((port) => `tcp:${port}:22`)) }, { requiredKeys: [] }),
              fc.record({ mode: fc.constant("bridge"), bridge: fc.constant("br0"), mac: fc.stringMatching(/^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$/) }, { requiredKeys: ["mode", "bridge"] }),
              fc.record({ mode: fc.constant("tap"), tap: fc.constant("tap") }, { requiredKeys: ["mode"] }),
              fc.record({ mode: fc.constant("macvtap"), device: fc.constant("eth0") }, { requiredKeys: ["mode", "device"] }),
            ),
            { maxLength: 3 },
          )
          // Host ports, tap names and MACs must differ between NICs.
          .map((nics) => nics.map((nic, index) => ({ ...nic, ...("forward" in nic && index > 0 ? { forward: [] } : {}), ...("tap" in nic ? { tap: `tap${index}` } : {}), ...("mac" in nic && nic.mac ? { mac: `${nic.mac.slice(0, -2)}${String(index).padStart(2, "0")}` } : {}) }))),
    passthrough: broken
      ? fc.array(optional({ address: value(fc.constantFrom("0000:01:00.0", "01:00.0", "0000:0A:00.1"), fc.constantFrom("1:0.0", "0000:01:00.8")), ids: value(fc.constantFrom("10de:2484", "10DE:2484"), fc.constant("10de")), allow_host_gpu: value(fc.boolean()) }), { maxLength: 2 })
      : fc.array(fc.record({ allow_host_gpu: fc.boolean() }, { requiredKeys: [] }), { maxLength: 2 }).map((devices) => devices.map((device, index) => ({ ...device, address: `0000:0${index + 1}:00.0` }))),
    display: broken
      ? optional({ type: value(fc.constantFrom("none", "vnc", "spice", "gtk"), fc.constant("sdl")), listen: value(fc.constantFrom("127.0.0.1", "::1", "0.0.0.0"), fc.constant("a b")), port: value(fc.integer({ min: 5900, max: 5999 }), fc.integer({ min: -1, max: 70000 })) })
      : fc.oneof(
          fc.record({ type: fc.constantFrom("none", "gtk") }, { requiredKeys: [] }),
          fc.record({ type: fc.constantFrom("vnc", "spice"), listen: fc.constantFrom("127.0.0.1", "::1", "0.0.0.0"), port: fc.integer({ min: 5900, max: 5999 }) }, { requiredKeys: ["type"] }),
        ),
    usb: optional({ tablet: value(fc.boolean()), devices: value(broken ? fc.array(fc.record({ vendor: hex4, product: hex4 }, { requiredKeys: [] }), { maxLength: 3 }) : fc.uniqueArray(fc.record({ vendor: hex4, product: hex4 }), { maxLength: 3, selector: (device) => `${String(device.vendor).replace(/^0x/, "").toLowerCase()}:${String(device.product).replace(/^0x/, "").toLowerCase()}` })) }),
    output: optional({ libvirt_xml: value(fc.boolean()) }),
    ...(broken ? { memroy: deep, linux: deep, "": odd } : {}),
  };
  return fc
    .record(tables, { requiredKeys: broken ? [] : ["vm"] })
    .chain((doc) => (broken && Array.isArray(doc.disk) ? fc.constantFrom(doc, { ...doc, disk: [...doc.disk, ...doc.disk] }) : fc.constant(doc)))
    .map((doc) => {
      try {
        return stringify(doc);
      } catch {
        return "";
      }
    });
}

const validDocument = documentArbitrary(false);
const brokenDocument = documentArbitrary(true);

/** Documents, then sometimes a character inserted or dropped somewhere (syntax errors and stray meanings). */
const text = fc.oneof(
  { weight: 4, arbitrary: validDocument },
  { weight: 4, arbitrary: brokenDocument },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.oneof(validDocument, brokenDocument), fc.nat(), fc.constantFrom("", "[", "]", "=", '"', "\n", "#", ",", "{", "é", "[[disk]]\n")).map(([doc, at, insert]) => {
      const position = doc.length ? at % doc.length : 0;
      return doc.slice(0, position) + insert + doc.slice(position + (insert === "" ? 1 : 0));
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 60 }) },
);

const host = fc
  .record({
    logicalCpus: fc.integer({ min: 0, max: 64 }),
    totalBytes: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null }),
    kvm: fc.boolean(),
    iommu: fc.boolean(),
    hugepages: fc.option(fc.record({ sizeBytes: fc.constantFrom(2 * 1024 ** 2, 1024 ** 3), total: fc.nat(5000), free: fc.nat(5000) }), { nil: null }),
    ovmf: fc.boolean(),
    interfaces: fc.constantFrom<Array<{ name: string; bridge?: boolean }>>([], [{ name: "lo" }], [{ name: "lo" }, { name: "br0", bridge: true }, { name: "eth0" }]),
  })
  .map((shape) =>
    fakeEnvironment({
      ...shape,
      ...(shape.ovmf ? {} : { ovmfCode: [], ovmfVars: [] }),
      hugepages: shape.hugepages ? { ...shape.hugepages, free: Math.min(shape.hugepages.free, shape.hugepages.total) } : null,
    }),
  );

const REJECTION_CODES = new Set(["E_CONFIG_SYNTAX", "E_CONFIG_INVALID"]);

function expectLocatedProblems(problems: Problem[], syntax: boolean): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect(problem.code).toMatch(/^E_[A-Z_]+$/);
    expect(typeof problem.keyPath).toBe("string");
    if (!syntax) expect(problem.keyPath!.length).toBeGreaterThan(0);
    if (problem.line !== undefined) expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(problem.message.length).toBeGreaterThan(0);
  }
}

describe("generated requests", () => {
  it("the loader: a request or a VmforgeError with located problems, never a crash", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(text, async (toml) => {
        try {
          const request = await loadVmRequest({ path: "/vms/gen.toml", text: toml, plugins: [] });
          expect(userVmRequestSchema.safeParse(request).success).toBe(true);
          accepted++;
        } catch (error) {
          if (!isVmforgeError(error)) throw error;
          expect(REJECTION_CODES.has(error.code)).toBe(true);
          expect(error.exitCode).toBe(2);
          expectLocatedProblems(error.problems, error.code === "E_CONFIG_SYNTAX");
        }
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 10);
  }, 60_000);

  it("the validator and the definition: accepted requests on random hosts give schema-valid definitions and commands", async () => {
    let defined = 0;
    const reasons = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: validDocument }, { weight: 1, arbitrary: brokenDocument }), host, fc.boolean(), async (toml, environment, passthroughHandled) => {
        let request;
        try {
          request = await loadVmRequest({ path: "/vms/gen.toml", text: toml, plugins: [] });
        } catch (error) {
          if (!isVmforgeError(error)) throw error;
          reasons.set(error.problems[0]?.code ?? error.code, (reasons.get(error.problems[0]?.code ?? error.code) ?? 0) + 1);
          return;
        }
        const result = await validateVmRequest(request, environment, { passthroughHandled });
        if (result.problems.length > 0) {
          const error = validationError(result.problems);
          for (const problem of result.problems) reasons.set(problem.code, (reasons.get(problem.code) ?? 0) + 1);
          expect([2, 3]).toContain(error.exitCode);
          expectLocatedProblems(error.problems, false);
          return;
        }
        const runDir = "/var/lib/vmforge/vms/gen";
        const definition = assembleDefinition({
          request,
          runDir,
          hardware: defineCpuRam(request, result.fit, runDir),
          storage: defineStorage(request, result.fit, runDir),
          networking: defineNetworking(request),
          hostDevices: [],
        });
        const parsed = vmDefinitionSchema.safeParse(definition);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        const { argv } = buildQemuInvocation(definition, []);
        expect(argv.every((argument) => typeof argument === "string" && argument.length > 0)).toBe(true);
        defined++;
      }),
      { numRuns: RUNS },
    );
    // Random hosts turn most requests down (80 to 110 of 1500 get through), so the floor must sit well
    // below that rate: RUNS / 20 failed on an unlucky seed with exactly 75 of 1500.
    expect(defined, JSON.stringify([...reasons])).toBeGreaterThan(RUNS / 40);
  }, 60_000);
});
