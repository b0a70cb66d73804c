import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HostRoot } from "@vmforge/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { openSshHost } from "../src/index.js";

const bin = mkdtempSync(join(tmpdir(), "vmforge-fake-ssh-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** A stand-in for the ssh program: a shell script that answers as a hostile or broken host would. */
function fakeSsh(name: string, body: string): string {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("a hostile or broken host", () => {
  it("cannot make the host root read or write outside its folder with links and names", async () => {
    // Every path is a folder listing escape names, except that each second level is a link to /.
    const ssh = fakeSsh(
      "links-out",
      `echo "vmforge-ssh-host 3"
while IFS= read -r r; do
  case "$r" in
    "S /etc") printf "D\\nf ../../vmforge-escaped\\nd ..\\nl passwd\\nl ok\\nf a/b\\n.\\n";;
    "S /etc/passwd") printf "L /etc/shadow\\n";;
    "S /etc/ok") printf "L ../../../..\\n";;
    "C /etc/shadow") printf "C 4\\nroot";;
    S*) echo N;;
    *) echo U;;
  esac
done`,
    );
    const host = await openSshHost("ssh://root@hostile", { ssh });
    try {
      const root = new HostRoot(host.root, { source: host.source });
      expect(await root.list("/etc")).toEqual(["ok", "passwd"]);
      // /etc/passwd -> /etc/shadow, which that host does not have: nothing is read from this machine's /etc.
      expect(await root.readText("/etc/passwd")).toBeUndefined();
      expect(await root.list("/etc/ok")).toEqual(["etc"]);
      expect(readdirSync(host.root)).toEqual(["etc"]);
      expect(existsSync(join(host.root, "..", "vmforge-escaped"))).toBe(false);
    } finally {
      await host.close();
    }
    expect(existsSync(host.root)).toBe(false);
  });

  it("that floods a reply is cut off with E_SSH_PROTOCOL (exit 2), not read into memory", async () => {
    const ssh = fakeSsh("flood", `echo "vmforge-ssh-host 3"; read r; echo "C 999999999999"; sleep 5`);
    const host = await openSshHost("ssh://root@flood", { ssh });
    try {
      const root = new HostRoot(host.root, { source: host.source });
      await expect(root.readText("/proc/cpuinfo")).rejects.toMatchObject({ code: "E_SSH_PROTOCOL", exitCode: 2 });
    } finally {
      await host.close();
    }
  });

  it.each([
    ["Host key verification failed.", "E_SSH_HOST_KEY"],
    ["root@gpu-box: Permission denied (publickey).", "E_SSH_AUTH"],
    ["ssh: Could not resolve hostname gpu-box: Name or service not known", "E_SSH_UNREACHABLE"],
    ["kex_exchange_identification: read: Connection reset by peer", "E_SSH_FAILED"],
  ])("whose ssh says %j fails with %s (exit 2) and the fix", async (said, code) => {
    const ssh = fakeSsh(`fails-${code}`, `echo "${said}" >&2; exit 255`);
    const error = await openSshHost("ssh://root@gpu-box", { ssh }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code, exitCode: 2 });
    expect((error as { fix?: string }).fix).toBeTruthy();
    expect((error as { why?: string }).why).toContain(said);
  });

  describe("apply's session (asRoot) for a user other than root", () => {
    // The command ssh would run there, run here by /bin/sh, with an `id` that says uid 1000 and a
    // `sudo` that refuses (no password given) or runs the command and leaves a mark.
    const fakeTools = join(bin, "tools");
    const local = (name: string, sudo: string) => {
      return fakeSsh(name, `mkdir -p ${fakeTools}\nprintf '#!/bin/sh\\necho 1000\\n' > ${fakeTools}/id\nprintf '%s\\n' '#!/bin/sh' '${sudo}' > ${fakeTools}/sudo\nchmod +x ${fakeTools}/id ${fakeTools}/sudo\nfor last; do :; done\nPATH=${fakeTools}:$PATH exec /bin/sh -c "$last"`);
    };

    it("goes through sudo -n, and gets root's answers", async () => {
      const mark = join(bin, "sudo-used");
      const ssh = local("sudo-yes", `[ "$1" = -n ] && shift && touch ${mark} && exec "$@"`);
      const host = await openSshHost("ssh://alice@gpu-box", { ssh, asRoot: true });
      try {
        expect(existsSync(mark)).toBe(true);
        expect(await new HostRoot(host.root, { source: host.source }).exists("/proc")).toBe(true);
      } finally {
        await host.close();
      }
    });

    it.each([
      ["sudo: a password is required", "Log in as root"],
      ["alice is not in the sudoers file.  This incident will be reported.", "Log in as root"],
    ])("whose sudo says %j is E_SSH_SUDO (exit 2), with the fix", async (said, fix) => {
      const ssh = local(`sudo-no-${fix.length}-${said.length}`, `echo "${said}" >&2; exit 1`);
      const error = await openSshHost("ssh://alice@gpu-box", { ssh, asRoot: true }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "E_SSH_SUDO", exitCode: 2 });
      expect((error as Error).message).toContain("alice may not become root there");
      expect((error as { fix: string }).fix).toContain(fix);
    });

    it("a check or plan (no asRoot) never asks sudo", async () => {
      const mark = join(bin, "sudo-asked");
      const ssh = local("sudo-never", `touch ${mark}; exit 1`);
      const host = await openSshHost("ssh://alice@gpu-box", { ssh });
      await host.close();
      expect(existsSync(mark)).toBe(false);
    });
  });

  it("with no ssh client at all is E_SSH_MISSING", async () => {
    await expect(openSshHost("ssh://gpu-box", { ssh: join(bin, "no-such-ssh") })).rejects.toMatchObject({ code: "E_SSH_MISSING", exitCode: 2 });
  });
});
