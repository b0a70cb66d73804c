import { beforeAll, afterEach, describe, expect, it, vi } from "vitest";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makerProject, markerExists, tempRoot } from "./project-fixture.js";

/** Faults the file system below gives: a full disk under a folder, a refused access(). */
const faults = vi.hoisted(() => ({ fullUnder: undefined as string | undefined, access: undefined as string | undefined }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs/promises")>();
  const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });
  const open: typeof original.open = async (...args) => {
    const handle = await original.open(...args);
    if (!faults.fullUnder || !String(args[0]).startsWith(faults.fullUnder)) return handle;
    return new Proxy(handle, {
      get(target, property, receiver) {
        if (property === "writeFile") return async () => Promise.reject(errno("ENOSPC", "no space left on device, write"));
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  const access: typeof original.access = async (...args) => {
    if (faults.access) throw Object.assign(errno(faults.access, `access '${String(args[0])}'`), { path: String(args[0]), syscall: "access" });
    return original.access(...args);
  };
  return { ...original, open, access, default: { ...original, open, access } };
});

// Atomic writes use node:fs's synchronous calls: a write into a file opened below the full folder fails.
vi.mock("node:fs", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:fs")>();
  const full = new Set<number>();
  const openSync = ((...args: Parameters<typeof original.openSync>) => {
    const fd = original.openSync(...args);
    if (faults.fullUnder && String(args[0]).startsWith(faults.fullUnder)) full.add(fd);
    else full.delete(fd);
    return fd;
  }) as typeof original.openSync;
  const writeSync = ((fd: number, ...rest: unknown[]) => {
    if (full.has(fd)) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return (original.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof original.writeSync;
  const replaced = { openSync, writeSync };
  return { ...original, ...replaced, default: { ...original, ...replaced } };
});

const { main } = await import("../src/main.js");

function fakeIo(cwd: string, env: NodeJS.ProcessEnv) {
  const output = { stdout: "", stderr: "" };
  const stream = (name: "stdout" | "stderr") => ({ isTTY: false, columns: 80, on: () => undefined, write: (chunk: string) => ((output[name] += chunk), true) }) as unknown as NodeJS.WriteStream;
  return { output, io: { stdout: stream("stdout"), stderr: stream("stderr"), env, cwd } };
}

afterEach(() => {
  faults.fullUnder = undefined;
  faults.access = undefined;
});

describe("a full disk and an unwritable --out, through the CLI with a fake file system", () => {
  const { root, markers } = tempRoot("full-disk");
  let project: string;
  const env = { VMFORGE_DATA_HOME: join(root, "data"), VMFORGE_CONFIG_HOME: join(root, "config"), CI: "1" };

  beforeAll(() => {
    project = makerProject(root, markers);
  }, 120_000);

  it("a full disk: the stage's error with the reason and a fix, then plan.json's; exit 1; no half file", async () => {
    const out = join(root, "out-full");
    faults.fullUnder = out;
    const { io, output } = fakeIo(project, env);
    const code = await main(["plan", "vm.toml", "--out", out, "--project", project], io);
    expect(code).toBe(1);
    expect(output.stderr).not.toContain("E_INTERNAL");
    const [stage, plan] = output.stderr.split("\nand then ");
    expect(stage).toContain(`error[E_WRITE_FAILED]: Could not write ${join(out, "thing.txt")}`);
    expect(stage).toContain("why: The file system said: no space is left on the device.");
    expect(stage).toContain("fix: Free space on the file system");
    expect(plan).toContain(`error[E_WRITE_FAILED]: Could not write the record of the run ${join(out, "plan.json")}: no space is left on the device.`);
    expect(plan).toContain(`df -h ${out}`);
    expect(readdirSync(out)).toEqual([]);
  });

  it.each([
    ["EACCES", "permission denied", "writable for the user running vmforge"],
    ["EROFS", "the file system is mounted read-only", "Choose a folder on a writable file system."],
  ])("--out that cannot be written (%s): exit 2 before any stage", async (errno, reason, fix) => {
    const out = join(root, `out-${errno}`);
    rmSync(join(markers, "ran"), { force: true });
    faults.access = errno;
    const { io, output } = fakeIo(project, env);
    const code = await main(["plan", "vm.toml", "--out", out, "--project", project], io);
    expect(code).toBe(2);
    expect(output.stderr).toContain(`error[E_OUT_NOT_WRITABLE]: --out ${out} cannot be written (it would be made in ${root}): ${reason}.`);
    expect(output.stderr).toContain(fix);
    expect(markerExists(markers, "ran")).toBe(false);
  });
});
