import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { all, describeWhen, ovmf, referenceDir, tool } from "@vmforge/test-support";
import { renderDomainXml } from "../src/xml/domain.js";
import { definition, disk, nic, uefi } from "./support/definitions.js";
import { libvirtQemuDriver, startPausedWithLibvirt, writeTempXml } from "./support/libvirt-tools.js";

/*
 * The strongest check there is on this machine: libvirt's QEMU driver plans the domain, starts
 * QEMU (paused: no guest code runs) with every device, and QEMU accepts them, including what
 * goes through <qemu:commandline>. Without /dev/kvm only TCG domains start here.
 */
const canStart = all(libvirtQemuDriver(), tool("qemu-img", "qemu-utils"), tool("swtpm", "swtpm"), ovmf());

describeWhen(canStart)("libvirt starts the domain (paused, under TCG)", () => {
  it("UEFI secure boot + TPM, an NVMe boot disk, a virtio disk, the cloud-init seed, user networking with a port forward, VNC", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "vmforge-libvirt-start-"));
    const disks = [disk(runDir, 0, { bus: "nvme", bootIndex: 1, serial: "start-system" }), disk(runDir, 1, { bus: "virtio", serial: "start-data" })];
    for (const image of disks) execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", image.path, "64M"]);
    const seed = join(runDir, "seed.iso");
    await copyFile(join(referenceDir, "seed.iso"), seed);
    const hostPort = 40_000 + Math.floor(Math.random() * 20_000);
    const vm = definition({
      name: "start-1",
      runDir,
      accelerator: { type: "tcg", reason: "test" },
      cpu: { model: "max", qemuModel: "max", sockets: 1, cores: 2, threads: 1, vcpus: 2 },
      memory: { bytes: 512 * 1024 ** 2, mib: 512, hugepages: false, hugepageSizeBytes: null },
      // The Debian ovmf package's secure-boot pair; the vars copy does not exist yet, libvirt makes it from the template.
      firmware: { ...uefi(runDir, { secureBoot: true, tpm: true }), code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", varsTemplate: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd" },
      disks,
      nics: [nic(0, { mode: "user", forwards: [{ protocol: "tcp", hostPort, guestPort: 22 }] })],
      display: { type: "vnc", listen: "127.0.0.1", port: null, video: "virtio-vga" },
    });
    const { xml } = renderDomainXml({
      definition: vm,
      media: [{ kind: "cdrom", path: seed, format: "raw", label: "cidata", readonly: true, producer: "test" }],
    });
    const result = await startPausedWithLibvirt(await writeTempXml(xml), "start-1", ["info block", "info tpm", "info usernet"]);
    expect(result.output).toContain("Domain 'start-1' created");
    expect(result.output).toMatch(/vmforge-disk0.*disk0\.qcow2/);
    expect(result.output).toContain("disk1.qcow2");
    expect(result.output).toContain("seed.iso");
    expect(result.output).toMatch(/tpm-crb/i);
    expect(result.output).toMatch(new RegExp(`HOST_FORWARD.*\\b${hostPort}\\b`));
    expect(result.output).toContain("Domain 'start-1' destroyed");
  }, 60_000);
});
