// Regenerates examples/hosts/z370-gt1030: a host snapshot for `--host-root`, built from a real
// capture (fixtures/hosts/intel-z370-i5-9400-gt1030-igpu-clean: IOMMU groups, lspci -nnk,
// /proc/cmdline). What the capture lacks is filled in and listed in the folder's NOTES.md.
// Run: pnpm exec tsx --conditions=source scripts/make-example-host.ts [OUT_DIR]
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureHostsDir, repoRoot, snapshotFromCapture } from "../packages/test-support/src/index.ts";

const out = process.argv[2] ?? join(repoRoot, "examples", "hosts", "z370-gt1030");
const hugepages = 8192; // 16 GiB of 2 MiB pages, all free
rmSync(out, { recursive: true, force: true });
const result = await snapshotFromCapture(join(fixtureHostsDir, "intel-z370-i5-9400-gt1030-igpu-clean"), out, {
  cpuinfo: sixCoreCpuinfo(),
  kvm: true,
  files: {
    "/proc/meminfo": `MemTotal:       32768000 kB\nMemFree:        28000000 kB\nMemAvailable:   30000000 kB\nHugePages_Total:    ${hugepages}\nHugePages_Free:     ${hugepages}\nHugePages_Rsvd:        0\nHugePages_Surp:        0\nHugepagesize:       2048 kB\n`,
    "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": `${hugepages}\n`,
    "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages": `${hugepages}\n`,
    "/sys/class/net/br0/bridge/bridge_id": "8000.000000000000\n",
    "/sys/class/net/br0/operstate": "up\n",
  },
});
writeFileSync(
  join(out, "NOTES.md"),
  `# A host snapshot for trying passthrough without the hardware\n\n` +
    `Built by \`scripts/make-example-host.ts\` from the public capture \`intel-z370-i5-9400-gt1030-igpu-clean\`\n` +
    `(Core i5-9400 on a Z370 board: UHD 630 drives the host, a GT 1030 + its audio sit alone in IOMMU group 2).\n\n` +
    `Filled in because the capture does not have them:\n\n${[...result.notes, "/proc/cpuinfo: the Pentium G640 capture's flags (VT-x, EPT) on six cores named like the i5-9400", `${hugepages} free 2 MiB hugepages, 32 GiB RAM`, "a network bridge br0"].map((note) => `- ${note}`).join("\n")}\n\n` +
    `    vmforge check --host-root examples/hosts/z370-gt1030\n    vmforge plan examples/gpu-passthrough.toml --host-root examples/hosts/z370-gt1030 --out out/gaming\n`,
);
console.log(`wrote ${out}`);

/**
 * No capture has both this board's IOMMU groups and its /proc/cpuinfo: take the flags of a real
 * Intel bare-metal capture (Pentium G640: vmx, ept) and lay them out as the i5-9400's 6 cores.
 */
function sixCoreCpuinfo(): string {
  const g640 = readFileSync(join(fixtureHostsDir, "cpuinfo-intel-pentium-g640-baremetal-vmx", "cpuinfo.txt"), "utf8");
  const first = g640.split(/\n\n/)[0]!;
  return Array.from({ length: 6 }, (_, core) =>
    first
      .replace(/^processor\t: \d+/m, `processor\t: ${core}`)
      .replace(/^model name\t: .*$/m, "model name\t: Intel(R) Core(TM) i5-9400 CPU @ 2.90GHz")
      .replace(/^siblings\t: \d+/m, "siblings\t: 6")
      .replace(/^core id\t\t: \d+/m, `core id\t\t: ${core}`)
      .replace(/^cpu cores\t: \d+/m, "cpu cores\t: 6")
      .replace(/^apicid\t\t: \d+/m, `apicid\t\t: ${core * 2}`),
  ).join("\n\n") + "\n";
}
