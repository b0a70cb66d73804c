import { realpath } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Problem } from "@vmforge/kernel";
import type { QemuTables } from "./config-schema.js";
import { locatedProblem, tomlKeyPath, type ProblemContext } from "./config-problems.js";

/** A file the VM uses, and who uses it. */
export interface PathClaim {
  /** Absolute, before symlinks are resolved. */
  path: string;
  /** The key that names the file or makes it exist (`disk[0].path`, `disk[1]`, `vm.guest`). */
  keyPath?: PropertyKey[];
  /** "disk[1]'s image", "the VM's UEFI variables (OVMF_VARS.fd)". */
  what: string;
  /** The user wrote this path as the key's value (the place to fix a clash). */
  written?: boolean;
  /** Only read (a base image, a firmware file): several such claims may share a file. */
  readOnly?: boolean;
  /** A [[disk]] path: two of them that are equal as written are reported by the loader already. */
  diskFile?: boolean;
}

/** Files qemu-setup writes into the run folder besides disk images and the UEFI variables. */
const RUN_FILES = ["vm-definition.json", "qemu-command.json", "launch.sh", "qmp.sock", "qga.sock", "console.sock", "serial.log", "qemu.pid", "qemu.log", "lifecycle.json", "swtpm.sock", "tpm"];

/** Every file the tables make the VM use; the run folder's files only when it is known. */
export function qemuPathClaims(tables: Partial<QemuTables>, baseDir: string, runDir: string | undefined): PathClaim[] {
  const claims: PathClaim[] = [];
  tables.disk?.forEach((disk, index) => {
    if (disk.path !== undefined) claims.push({ path: resolve(baseDir, disk.path), keyPath: ["disk", index, "path"], what: `disk[${index}]'s image`, written: true, diskFile: true });
    else if (runDir !== undefined) claims.push({ path: join(runDir, `disk${index}.${disk.format ?? "qcow2"}`), keyPath: ["disk", index], what: `the image vmforge makes for disk[${index}], which has no path` });
  });
  tables.disk?.forEach((disk, index) => {
    if (disk.backing !== undefined) claims.push({ path: resolve(baseDir, disk.backing), keyPath: ["disk", index, "backing"], what: `the base image of disk[${index}]`, written: true, readOnly: true });
  });
  const firmware = tables.firmware;
  for (const key of ["code", "vars"] as const) {
    const given = firmware?.[key];
    if (given !== undefined) claims.push({ path: resolve(baseDir, given), keyPath: ["firmware", key], what: key === "code" ? "the OVMF code image" : "the OVMF vars template", written: true, readOnly: true });
  }
  tables.passthrough?.forEach((device, index) => {
    if (device.rom_file !== undefined) claims.push({ path: resolve(baseDir, device.rom_file), keyPath: ["passthrough", index, "rom_file"], what: `the ROM of passthrough[${index}]`, written: true, readOnly: true });
  });
  tables.cdrom?.forEach((cdrom, index) => {
    claims.push({ path: resolve(baseDir, cdrom.path), keyPath: ["cdrom", index, "path"], what: `cdrom[${index}]'s image`, written: true, readOnly: true });
  });
  if (runDir !== undefined) {
    if (firmware?.type === "uefi") claims.push({ path: join(runDir, "OVMF_VARS.fd"), keyPath: ["firmware", "type"], what: 'the copy of the UEFI variables vmforge makes for firmware.type = "uefi"' });
    for (const name of RUN_FILES) claims.push({ path: join(runDir, name), what: `${name}, which vmforge writes in the run folder ${runDir}` });
  }
  return claims;
}

/**
 * Two claims on one file (after `..` and the symlinks of existing folders and files are
 * resolved) where either writes it: a problem at the key to change, naming both keys.
 * `involving` limits the report to clashes with some of the claims (a guest plugin's files).
 */
export async function pathClashes(context: ProblemContext, claims: readonly PathClaim[], involving?: ReadonlySet<PathClaim>): Promise<Problem[]> {
  const canonical = await Promise.all(claims.map((claim) => canonicalPath(claim.path)));
  const problems: Problem[] = [];
  // A disk file written twice alike is the loader's E_CONFIG_DUPLICATE already: one report a key.
  const reported = new Set<PathClaim>(claims.filter((claim, index) => claim.diskFile && claims.slice(0, index).some((earlier) => earlier.diskFile && earlier.path === claim.path)));
  claims.forEach((later, laterIndex) => {
    for (let index = 0; index < laterIndex; index++) {
      const earlier = claims[index]!;
      if (canonical[index] !== canonical[laterIndex]) continue;
      if (earlier.readOnly && later.readOnly) continue;
      if (earlier.diskFile && later.diskFile && earlier.path === later.path) continue;
      if (involving && !involving.has(earlier) && !involving.has(later)) continue;
      const [at, other] = later.written || !earlier.written ? [later, earlier] : [earlier, later];
      if (!at.keyPath || reported.has(at)) continue;
      reported.add(at);
      problems.push(clash(context, at, other, canonical[index]!));
      break;
    }
  });
  return problems;
}

function clash(context: ProblemContext, at: PathClaim, other: PathClaim, file: string): Problem {
  const key = other.keyPath ? tomlKeyPath(other.keyPath) : undefined;
  const otherKey = key && !other.what.includes(key) ? ` (${key})` : "";
  return locatedProblem(
    context,
    at.keyPath!,
    {
      code: "E_CONFIG_DUPLICATE",
      message: `${file} would be both ${at.what} and ${other.what}${otherKey}`,
      expected: "a file no other part of the VM uses",
      fix: at.written ? `Give ${tomlKeyPath(at.keyPath!)} a path of its own${other.keyPath && other.written ? ` (or change ${tomlKeyPath(other.keyPath)})` : ""}.` : `Change ${other.keyPath ? tomlKeyPath(other.keyPath) : "the other path"} so it names a file of its own.`,
    },
    true,
  );
}

/** resolve(), then realpath() of the longest part that exists: `..` and symlinks cannot make one file look like two. */
export async function canonicalPath(path: string): Promise<string> {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(await realpath(head), ...tail);
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      tail.unshift(basename(head));
      head = parent;
    }
  }
}
