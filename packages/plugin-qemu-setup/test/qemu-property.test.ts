import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { stringify } from "smol-toml";
import { expect, it } from "vitest";
import { all, describeWhen, machineOvmfHostRoot, ovmf, tool } from "@vmforge/test-support";
import { qemuCommandKey, vmDefinitionKey } from "../src/contract.js";
import { fakeEnvironment } from "./support/environment.js";
import { QmpSession } from "./support/qmp.js";
import { runPipeline } from "./support/run-pipeline.js";
import { tempDir } from "./support/temp.js";

/*
 * Generated requests (of what this machine can start: TCG, user networking, no display or VNC)
 * go all the way: loader, validator, definition, command, then the real QEMU, paused. Few runs,
 * since each starts QEMU; the pure property test covers the breadth.
 */

const RUNS = Number(process.env.VMFORGE_QEMU_PROPERTY_RUNS ?? 8);
const canRun = all(tool("qemu-system-x86_64", "qemu-system-x86"), tool("qemu-img", "qemu-utils"), ovmf());

const request = fc.record({
  vm: fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), rng: fc.boolean(), guest_agent: fc.boolean() }),
  cpu: fc.record({ sockets: fc.integer({ min: 1, max: 2 }), cores: fc.integer({ min: 1, max: 2 }), threads: fc.integer({ min: 1, max: 2 }), model: fc.constantFrom("host-passthrough", "max", "qemu64") }),
  memory: fc.record({ size: fc.constantFrom("128MiB", "256MiB", "1GiB") }),
  firmware: fc.oneof(fc.record({ type: fc.constant("uefi"), secure_boot: fc.boolean() }), fc.record({ type: fc.constant("bios") })),
  disk: fc.array(
    fc.record({
      size: fc.constantFrom("1MiB", "16MiB", "1GiB"),
      format: fc.constantFrom("qcow2", "raw"),
      bus: fc.constantFrom("virtio", "nvme", "sata", "scsi"),
      discard: fc.boolean(),
      readonly: fc.boolean(),
    }).map((disk) => ({ ...disk, readonly: disk.readonly && disk.bus !== "sata" })),
    { maxLength: 4 },
  ),
  network: fc.array(
    fc.record({ model: fc.constantFrom("virtio", "e1000e"), forward: fc.uniqueArray(fc.integer({ min: 20000, max: 60000 }), { maxLength: 2 }).map((ports) => ports.map((port) => `tcp:${port}:22`)) }),
    { maxLength: 3 },
  ),
  display: fc.constantFrom({ type: "none" }, { type: "vnc" }),
  usb: fc.record({ tablet: fc.boolean() }),
}).map((doc) => ({ ...doc, network: doc.network.map((nic, index) => (index === 0 ? nic : { ...nic, forward: [] })) }));

describeWhen(canRun)("generated requests start in the real QEMU", () => {
  it("QEMU accepts every generated command and builds the defined CPUs, disks and NICs", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (doc) => {
        const folder = await tempDir("vmforge-qprop-");
        const path = join(folder, "vm.toml");
        await writeFile(path, stringify(doc));
        const { kernel } = await runPipeline(path, { environment: fakeEnvironment({ kvm: false, logicalCpus: 8 }), filesRoot: await machineOvmfHostRoot(), outputDir: join(folder, "out") });
        const definition = kernel.session.get(vmDefinitionKey)!;
        const { argv, createImages } = kernel.session.get(qemuCommandKey)!;
        for (const image of createImages) execFileSync(image.argv[0]!, image.argv.slice(1));
        const qemu = await QmpSession.start(argv, definition.qmpSocket);
        try {
          expect(await qemu.execute<unknown[]>("query-cpus-fast")).toHaveLength(definition.cpu.vcpus);
          const qtree = await qemu.hmp("info qtree");
          for (const disk of definition.disks) expect(qtree).toContain(`id "${disk.id}-dev"`);
          for (const nic of definition.nics) expect(qtree).toContain(`id "${nic.id}-dev"`);
          expect(qtree.includes('id "net')).toBe(definition.nics.length > 0);
        } finally {
          expect(await qemu.quit()).toBe(0);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
