import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export async function tempDir(prefix = "vmforge-linux-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** `cloud-init schema --config-file F` (Debian's cloud-init 22.4): rc 0 = valid. */
export async function cloudInitSchema(userData: string): Promise<{ ok: boolean; output: string }> {
  const file = join(await tempDir(), "user-data");
  await writeFile(file, userData);
  const result = await execa("cloud-init", ["schema", "--config-file", file], { reject: false, all: true });
  return { ok: result.exitCode === 0, output: result.all ?? "" };
}

const PYYAML_LOAD = `
import sys, json, math, yaml
def enc(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        return {str(key): enc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [enc(item) for item in value]
    return value
docs = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out = []
for text in docs:
    try:
        out.append({"ok": True, "value": enc(yaml.safe_load(text))})
    except Exception as error:
        out.append({"ok": False, "error": str(error)})
sys.stdout.write(json.dumps(out, ensure_ascii=True, default=str))
`;

/** Reads YAML texts with the PyYAML cloud-init itself uses (/usr/bin/python3), in one process. */
export async function pyYamlLoad(texts: string[]): Promise<Array<{ ok: true; value: unknown } | { ok: false; error: string }>> {
  const result = await execa("/usr/bin/python3", ["-c", PYYAML_LOAD], { input: JSON.stringify(texts) });
  return JSON.parse(result.stdout);
}

/** JSON of a value as pyYamlLoad encodes it: infinities and NaN as {"$float": "inf"}. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "number" && !Number.isFinite(item)) return { $float: Number.isNaN(item) ? "nan" : item > 0 ? "inf" : "-inf" };
    return item;
  });
}

/** Whether the cloud-init here validates network-config (25.x does; 22.4 does not). */
export async function cloudInitKnowsNetworkSchema(): Promise<boolean> {
  const result = await execa("cloud-init", ["schema", "--help"], { reject: false });
  return result.stdout.includes("--schema-type");
}
