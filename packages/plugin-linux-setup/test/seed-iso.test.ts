import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { all, describeWhen, itWhen, referenceDir, requirement, tool } from "@vmforge/test-support";
import { buildSeedIso } from "../src/seed-iso.js";
import { runLinuxStages } from "./support/run-linux-stages.js";
import { userVmRequest, vmDefinition } from "./support/session-values.js";
import { tempDir } from "./support/tools.js";

const realTools = all(tool("isoinfo", "genisoimage"), tool("xorriso", "xorriso"));
/** util-linux's blkid lives in sbin, often outside a user's PATH. */
const BLKID = ["/usr/sbin/blkid", "/sbin/blkid", "/usr/bin/blkid"].find((path) => existsSync(path));
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0cP0dVx2Fm4bA1uGZ0y7oQ1b0a9zE6c9XbKq3n1Yw dev@laptop";
const linux = { timezone: "UTC", packages: ["nginx"], users: [{ name: "dev", sudo: true, ssh_authorized_keys: [KEY], gecos: "Dév Élève 日本" }] };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** The lines of `isoinfo -d` that say what the image is, not who made it or when. */
function describeVolume(output: string): string[] {
  return output.split("\n").filter((line) => /^(Volume id|Logical block size|Joliet|Rock Ridge)/.test(line));
}

describeWhen(realTools)("the seed ISO, read by isoinfo and xorriso", () => {
  let outputDir: string;
  let seed: string;
  beforeAll(async () => {
    ({ outputDir } = (await runLinuxStages({ request: userVmRequest({ linux }), definition: vmDefinition() })) as { outputDir: string });
    seed = join(outputDir, "seed.iso");
  });

  it("isoinfo -d: volume cidata, Rock Ridge and Joliet, like cloud-localds's", async () => {
    const ours = (await execa("isoinfo", ["-d", "-i", seed])).stdout;
    const theirs = (await execa("isoinfo", ["-d", "-i", join(referenceDir, "seed.iso")])).stdout;
    expect(ours).toContain("Volume id: cidata");
    expect(describeVolume(ours)).toEqual(describeVolume(theirs));
    expect(describeVolume(ours)).toEqual(["Volume id: cidata", "Logical block size is: 2048", "Joliet with UCS level 3 found", "Rock Ridge signatures version 1 found"]);
  });

  it("isoinfo lists exactly the three files under Rock Ridge and Joliet names", async () => {
    for (const extension of ["-R", "-J"]) {
      const listing = (await execa("isoinfo", ["-f", extension, "-i", seed])).stdout.split("\n").filter(Boolean).sort();
      expect(listing, extension).toEqual(["/meta-data", "/network-config", "/user-data"]);
    }
  });

  it("xorriso extracts exactly meta-data, user-data, network-config, byte-equal to the generated files", async () => {
    const extracted = await tempDir();
    await execa("xorriso", ["-osirrox", "on", "-indev", seed, "-extract", "/", extracted]);
    expect(readdirSync(extracted).sort()).toEqual(["meta-data", "network-config", "user-data"]);
    for (const name of ["meta-data", "network-config", "user-data"]) {
      expect(readFileSync(join(extracted, name), "utf8"), name).toBe(readFileSync(join(outputDir, "cloud-init", name), "utf8"));
      expect(sameBytes(readFileSync(join(extracted, name)), readFileSync(join(outputDir, "cloud-init", name))), name).toBe(true);
    }
  });

  itWhen(requirement(BLKID !== undefined, "blkid is not installed (Debian: util-linux)"))("blkid -p finds LABEL=cidata TYPE=iso9660, as cloud-init's device scan needs", async () => {
    const probe = (await execa(BLKID!, ["-p", seed])).stdout;
    expect(probe).toContain('LABEL="cidata"');
    expect(probe).toContain('TYPE="iso9660"');
  });

  it("xorriso sees Rock Ridge and Joliet", async () => {
    const toc = await execa("xorriso", ["-indev", seed, "-toc"], { all: true });
    expect(toc.all).toMatch(/ISO offers\s*:.*Rock_Ridge.*Joliet/);
    expect(toc.all).toContain("cidata");
  });
});

describe("the seed ISO bytes", () => {
  const files = { metaData: "instance-id: iid-x\nlocal-hostname: x\n", userData: "#cloud-config\nhostname: x\n", networkConfig: "version: 2\nethernets: {}\n" };

  it("are the same for the same input (SOURCE_DATE_EPOCH) and differ for another", () => {
    const first = buildSeedIso(files, 1_700_000_000);
    expect(sameBytes(buildSeedIso({ ...files }, 1_700_000_000), first)).toBe(true);
    expect(sameBytes(buildSeedIso({ ...files, userData: "#cloud-config\nhostname: y\n" }, 1_700_000_000), first)).toBe(false);
    expect(sameBytes(buildSeedIso(files, 1_700_000_001), first)).toBe(false);
  });

  it("are the same across two whole runs of the stages", async () => {
    const first = await runLinuxStages({ request: userVmRequest({ linux }), definition: vmDefinition() });
    const second = await runLinuxStages({ request: userVmRequest({ linux }), definition: vmDefinition() });
    expect(sameBytes(readFileSync(join(second.outputDir!, "seed.iso")), readFileSync(join(first.outputDir!, "seed.iso")))).toBe(true);
  });

  itWhen(realTools)("stay readable when SOURCE_DATE_EPOCH is set", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "seed.iso"), buildSeedIso(files, 1_700_000_000));
    const listing = (await execa("isoinfo", ["-l", "-R", "-i", join(dir, "seed.iso")])).stdout;
    expect(listing).toContain("Nov 14 2023");
  });
});
