import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { itWhen, tool } from "@vmforge/test-support";
import { sshFingerprint, testKey } from "./fresh-user.js";
import { findMarker, guestToml, MARKER } from "./guest-request.js";
import { sha256File } from "./guest-image.js";
import { serveImage } from "./image-server.js";
import { relabelIso } from "./seed-damage.js";

/* The test's own tools, checked without booting anything. */

const dir = mkdtempSync(join(tmpdir(), "vmforge-boot-helpers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the seed relabeller", () => {
  itWhen(tool("cloud-localds", "cloud-image-utils"))("gives a cloud-localds seed (primary and Joliet descriptors) another label, which blkid then reports", async () => {
    const seed = join(dir, "seed.iso");
    writeFileSync(join(dir, "user-data"), "#cloud-config\n");
    writeFileSync(join(dir, "meta-data"), "instance-id: x\n");
    await execa("cloud-localds", [seed, join(dir, "user-data"), join(dir, "meta-data")]);
    expect(relabelIso(seed, "NOTCIDATA").map((label) => label.toLowerCase())).toEqual(["cidata", "cidata"]);
    const blkid = await execa("blkid", ["-o", "value", "-s", "LABEL", seed], { reject: false });
    if (blkid.exitCode === 0) expect(blkid.stdout.trim()).toBe("NOTCIDATA");
  });

  it("refuses a file that is not ISO 9660", () => {
    const notIso = join(dir, "not.iso");
    writeFileSync(notIso, Buffer.alloc(40 * 2048));
    expect(() => relabelIso(notIso, "X")).toThrow(/not a volume descriptor/);
  });
});

describe("the marker", () => {
  it("is found in a serial log among escapes and carriage returns, field by field", () => {
    const log = `\x1b[0;32m  OK  \x1b[0m] Started\r\n${MARKER}|hostname=vm-1|id=uid=1000(tester) gid=1000(tester) groups=1000(tester)|fingerprint=SHA256:abc+/def|END\r\nmore`;
    expect(findMarker(log)).toEqual({ hostname: "vm-1", id: "uid=1000(tester) gid=1000(tester) groups=1000(tester)", fingerprint: "SHA256:abc+/def" });
    expect(findMarker(`${MARKER}|hostname=vm-1|id=`)).toBeUndefined();
  });

  it("is asked for by a runcmd the TOML carries as one string", () => {
    const toml = guestToml({ name: "vm-1", imageUrl: "http://127.0.0.1:1/guest.qcow2", checksumsUrl: "http://127.0.0.1:1/SHA256SUMS", publicKey: "ssh-ed25519 AAAA x" });
    expect(toml).toContain('[firmware]\ntype = "bios"');
    expect(toml).toMatch(/^runcmd = \[".*> \/dev\/ttyS0"\]$/m);
  });

  itWhen(tool("ssh-keygen", "openssh-client"))("fingerprint: the test key's is ssh-keygen's, and the OpenSSH formula gives the same", async () => {
    const key = await testKey(mkdtempSync(join(dir, "key-")));
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshFingerprint(key.publicKey)).toBe(key.fingerprint);
  });
});

describe("the image server", () => {
  it("serves the image whole and by range, its SHA256SUMS, and 404 for anything else", async () => {
    const path = join(dir, "guest.qcow2");
    writeFileSync(path, Buffer.from("0123456789abcdef"));
    const server = await serveImage({ path, sha256: await sha256File(path) });
    try {
      const whole = await fetch(`${server.origin}/guest.qcow2`);
      expect(whole.status).toBe(200);
      expect(await whole.text()).toBe("0123456789abcdef");
      const part = await fetch(`${server.origin}/guest.qcow2`, { headers: { range: "bytes=10-" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe("bytes 10-15/16");
      expect(await part.text()).toBe("abcdef");
      const sums = await (await fetch(`${server.origin}/SHA256SUMS`)).text();
      expect(sums).toBe(`${await sha256File(path)}  guest.qcow2\n`);
      expect(sums.split("  ")[0]).toMatch(/^[0-9a-f]{64}$/);
      expect((await fetch(`${server.origin}/other.qcow2`)).status).toBe(404);
      expect((await fetch(`${server.origin}/guest.qcow2`, { headers: { range: "bytes=99-" } })).status).toBe(416);
      expect(server.requests.map((request) => request.path)).toEqual(["/guest.qcow2", "/guest.qcow2", "/SHA256SUMS", "/other.qcow2", "/guest.qcow2"]);
      expect(readFileSync(path, "utf8")).toBe("0123456789abcdef");
    } finally {
      await server.close();
    }
  });
});
