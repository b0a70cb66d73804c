import { createHash } from "node:crypto";
import { isAbsolute, join } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { VmforgeError } from "./errors.js";
import type { Effects, EffectRecord, WriteFileOptions } from "./effects.js";

export interface Artifact {
  name: string;
  path: string;
  bytes: number;
  stage: string;
  status: EffectRecord["status"];
  /** SHA-256 of the content (also of a planned artifact, as it would be written). */
  sha256: string;
  /** Written by the earlier run this run resumed. */
  resumed?: true;
}

/**
 * The run's artifact folder (`--out DIR`, else `userDataPath()/vms/<run name>/`): on the machine
 * the effects land on, and, when that is another one, the same path on this one. Files keep
 * fixed names (`domain.xml`, `seed.iso`, ...) so scripts can rely on them. The content is kept
 * in memory too, so a dry run without `--out` can still show it.
 */
export class ArtifactStore {
  readonly #items = new Map<string, { artifact: Artifact; data: string | Uint8Array | undefined }>();
  #runName: string | undefined;

  constructor(
    private readonly outputDir: string | undefined,
    private readonly defaultRoot: string,
  ) {}

  setRunName(name: string): void {
    this.#runName = name;
  }

  get runName(): string | undefined {
    return this.#runName;
  }

  get dir(): string {
    if (this.outputDir) return this.outputDir;
    if (!this.#runName) throw new VmforgeError("E_RUN_UNNAMED", "An artifact was written before the run had a name.", { fix: "A stage must call ctx.setRunName() before writing artifacts (a plugin bug)." });
    return join(this.defaultRoot, this.#runName);
  }

  pathOf(name: string): string {
    const parts = name.split(/[\\/]/);
    if (!name || isAbsolute(name) || parts.some((part) => part === ".." || part === "")) {
      throw new VmforgeError("E_ARTIFACT_NAME", `Artifact name "${name}" must be a relative path inside the artifact folder.`, {
        fix: "Use a fixed relative name such as `domain.xml` or `cloud-init/meta-data` (a plugin bug).",
      });
    }
    return join(this.dir, name);
  }

  async write(effects: Effects, stage: string, name: string, data: string | Uint8Array, options: WriteFileOptions = {}): Promise<Artifact> {
    const record = await effects.writeFile(this.pathOf(name), data, options);
    // Written on another machine: a copy stays here, so `vmforge start --libvirt --connect` finds the domain there.
    if (effects.remote !== undefined && record.status === "done") await writeFileAtomic(record.path!, data, options.mode === undefined ? {} : { mode: options.mode });
    const sha256 = createHash("sha256").update(data).digest("hex");
    const artifact: Artifact = { name, path: record.path!, bytes: record.bytes ?? 0, stage, status: record.status, sha256 };
    this.#items.set(name, { artifact, data });
    return artifact;
  }

  /** Artifacts an earlier run wrote, when this run resumes it (their content stays on disk). */
  seed(artifacts: readonly Artifact[]): void {
    for (const artifact of artifacts) this.#items.set(artifact.name, { artifact: { ...artifact, resumed: true }, data: undefined });
  }

  get(name: string): string | Uint8Array | undefined {
    return this.#items.get(name)?.data;
  }

  list(): Artifact[] {
    return [...this.#items.values()].map((item) => item.artifact);
  }
}
