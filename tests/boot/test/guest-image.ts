import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

/** The recipe: a bash script whose text (package list included) keys the cache. */
export const RECIPE = join(dirname(fileURLToPath(import.meta.url)), "..", "image", "build-guest-image.sh");

export interface GuestImage {
  path: string;
  sha256: string;
  bytes: number;
  /** Whether this run built it (false: it came from the cache). */
  built: boolean;
  seconds: number;
}

/** `$VMFORGE_TEST_IMAGE_CACHE`, else `$XDG_CACHE_HOME/vmforge-test-images`, else `~/.cache/...`. */
export function imageCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VMFORGE_TEST_IMAGE_CACHE) return env.VMFORGE_TEST_IMAGE_CACHE;
  const cacheHome = env.XDG_CACHE_HOME?.startsWith("/") ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), ".cache");
  return join(cacheHome, "vmforge-test-images");
}

export function recipeHash(): string {
  return createHash("sha256").update(readFileSync(RECIPE)).digest("hex").slice(0, 16);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The guest image for this recipe: from the cache, or built into a temporary folder beside it
 * and renamed into place only once complete (an interrupted build leaves nothing under the key).
 */
export async function cachedGuestImage(log: (line: string) => void): Promise<GuestImage> {
  const started = performance.now();
  const root = imageCacheRoot();
  const folder = join(root, recipeHash());
  const image = join(folder, "guest.qcow2");
  const sumFile = join(folder, "guest.qcow2.sha256");
  const done = (built: boolean): GuestImage => ({
    path: image,
    sha256: readFileSync(sumFile, "utf8").trim(),
    bytes: statSync(image).size,
    built,
    seconds: (performance.now() - started) / 1000,
  });
  if (existsSync(sumFile) && existsSync(image)) return done(false);

  mkdirSync(root, { recursive: true });
  removeStaleBuilds(root);
  const temp = mkdtempSync(join(root, `.building-${recipeHash()}-`));
  try {
    log(`building the guest image (${RECIPE}) into ${temp}; this takes minutes once, then it is cached in ${folder}`);
    const build = execa("bash", [RECIPE, join(temp, "guest.qcow2")], { all: true, reject: false });
    build.all?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) log(line);
    });
    const result = await build;
    if (result.exitCode !== 0) throw new Error(`the guest image build failed (exit ${result.exitCode}):\n${result.all?.split("\n").slice(-30).join("\n")}`);
    writeFileSync(join(temp, "guest.qcow2.sha256"), `${await sha256File(join(temp, "guest.qcow2"))}\n`);
    try {
      renameSync(temp, folder);
    } catch (error) {
      // Another run finished the same recipe first: keep theirs.
      if (!existsSync(sumFile)) throw error;
      rmSync(temp, { recursive: true, force: true });
    }
    return done(true);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Builds killed before their clean-up ran (SIGKILL), older than an hour (a build takes minutes),
 * unless something is still mounted inside (debootstrap mounts /proc in its tree): never an
 * `rm -rf` through a mount.
 */
function removeStaleBuilds(root: string): void {
  const hourAgo = Date.now() - 3600_000;
  const mounts = readFileSync("/proc/self/mountinfo", "utf8");
  for (const name of readdirSync(root)) {
    if (!name.startsWith(".building-")) continue;
    const path = join(root, name);
    if (statSync(path).mtimeMs < hourAgo && !mounts.includes(` ${path}/`)) rmSync(path, { recursive: true, force: true });
  }
}
