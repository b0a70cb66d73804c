import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";

/** xorriso converts names to the local character set: make it UTF-8 whatever the caller's locale. */
const TOOL_ENV = { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };

export function run(file: string, args: readonly string[]): { stdout: Buffer; stderr: string } {
  const result = spawnSync(file, args, { env: TOOL_ENV, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return { stdout: result.stdout, stderr: result.stderr.toString() };
}

export function runText(file: string, args: readonly string[]): string {
  return run(file, args).stdout.toString("utf8");
}

const temporaryDirectories: string[] = [];
afterAll(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "vmforge-iso9660-"));
  temporaryDirectories.push(directory);
  return directory;
}

export function writeImage(image: Uint8Array): string {
  const path = join(temporaryDirectory(), "image.iso");
  writeFileSync(path, image);
  return path;
}

/** Every file (contents) and folder (`null`) under `root`, keyed by its relative path. */
export function readTree(root: string): Map<string, Buffer | null> {
  const result = new Map<string, Buffer | null>();
  const visit = (relative: string) => {
    for (const name of readdirSync(join(root, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (statSync(join(root, path)).isDirectory()) {
        result.set(path, null);
        visit(path);
      } else {
        result.set(path, readFileSync(join(root, path)));
      }
    }
  };
  visit("");
  return result;
}

export type Namespace = "rockridge" | "joliet" | "iso9660";

const READ_FS: Record<Namespace, string> = { rockridge: "any", joliet: "norock", iso9660: "ecma119" };

/** Extracts the whole image with xorriso reading one namespace only. */
export function extractWithXorriso(iso: string, namespace: Namespace): Map<string, Buffer | null> {
  const target = join(temporaryDirectory(), "extracted");
  run("xorriso", ["-read_fs", READ_FS[namespace], "-osirrox", "on", "-indev", iso, "-extract", "/", target]);
  return readTree(target);
}

export interface ListedEntry {
  directory: boolean;
  size: number;
  permissions: string;
}

/** Parses `isoinfo -l`: "Directory listing of /a/" headers, then one line a record. */
export function parseIsoinfoListing(text: string): Map<string, ListedEntry> {
  const result = new Map<string, ListedEntry>();
  let folder = "/";
  for (const line of text.split("\n")) {
    const header = /^Directory listing of (.*)$/.exec(line);
    if (header) {
      folder = header[1]!;
      continue;
    }
    const record = /^([d-])([rwxsStT-]{9})\s+\d+\s+\d+\s+\d+\s+(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*\d+\s+\d+\]\s\s(.*) $/.exec(line);
    if (!record) continue;
    const name = record[4]!;
    if (name === "." || name === "..") continue;
    result.set(`${folder}${name}`.replace(/^\//, ""), {
      directory: record[1] === "d",
      size: Number(record[3]),
      permissions: record[2]!,
    });
  }
  return result;
}

/** What an extraction should contain for these inputs: every file and every folder on the way. */
export function expectedTree(
  files: readonly { path: string; data: Uint8Array | string }[],
  rename: (path: string) => string = (path) => path,
): Map<string, Buffer | null> {
  const result = new Map<string, Buffer | null>();
  for (const file of files) {
    const renamed = rename(file.path);
    const segments = renamed.split("/");
    for (let i = 1; i < segments.length; i++) result.set(segments.slice(0, i).join("/"), null);
    result.set(renamed, Buffer.from(typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data));
  }
  return result;
}

export function sortedEntries(tree: Map<string, Buffer | null>): [string, string | null][] {
  return [...tree.entries()]
    .map(([path, data]): [string, string | null] => [path, data === null ? null : `${data.length}:${hash(data)}`])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function hash(data: Buffer): string {
  // FNV-1a is enough to tell contents apart in an assertion diff.
  let value = 0x811c9dc5;
  for (const byte of data) value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  return value.toString(16);
}

/** Same paths, same kinds, and every file equal byte for byte. */
export function expectSameTree(actual: Map<string, Buffer | null>, expected: Map<string, Buffer | null>): void {
  expect(sortedEntries(actual).map(([path, data]) => [path, data === null])).toEqual(
    sortedEntries(expected).map(([path, data]) => [path, data === null]),
  );
  for (const [path, data] of expected) {
    if (data === null) continue;
    const got = actual.get(path)!;
    expect(got.length, `size of ${path}`).toBe(data.length);
    expect(got.equals(data), `contents of ${path}`).toBe(true);
  }
}
