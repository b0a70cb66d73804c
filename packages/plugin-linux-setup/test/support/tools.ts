import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll } from "vitest";

const made = new Set<string>();
// Registered in every test file that imports this module: its folders go when the file is done.
afterAll(async () => {
  await Promise.all([...made].map((dir) => rm(dir, { recursive: true, force: true })));
  made.clear();
});

/** A fresh folder under the system temp folder, removed after the test file. */
export async function tempDir(prefix = "vmforge-linux-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
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

const NOCLOUD_READ = `
import json, sys
from cloudinit import helpers, distros
from cloudinit.sources.DataSourceNoCloud import DataSourceNoCloud
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.handlers import type_from_starts_with
from cloudinit import util
cloud_dir = sys.argv[1]
paths = helpers.Paths({"cloud_dir": cloud_dir, "run_dir": cloud_dir + "/run"})
distro = distros.fetch("debian")("debian", {}, paths)
ds = DataSourceNoCloud({"datasource": {"NoCloud": {"fs_label": None}}}, distro, paths)
found = ds._get_data()
raw = ds.userdata_raw if isinstance(ds.userdata_raw, str) else ds.userdata_raw.decode("utf-8")
interfaces = [
    {"name": i["name"], "mac_address": i["mac_address"], "subnets": [s["type"] for s in i["subnets"]]}
    for i in parse_net_config_data(ds.network_config).iter_interfaces()
]
print(json.dumps({
    "found": found,
    "seed": ds.seed,
    "instance_id": ds.get_instance_id(),
    "hostname": ds.get_hostname().hostname,
    "user_data_type": type_from_starts_with(raw),
    "user_data_raw": raw,
    "cloud_config": util.load_yaml(raw),
    "interfaces": interfaces,
}, ensure_ascii=True, default=str))
`;

export interface NoCloudView {
  found: boolean;
  seed: string;
  instance_id: string;
  hostname: string;
  user_data_type: string;
  user_data_raw: string;
  cloud_config: Record<string, unknown>;
  interfaces: Array<{ name: string; mac_address: string; subnets: string[] }>;
}

/**
 * What cloud-init's own NoCloud datasource (22.4) makes of a seed ISO: extracted with xorriso
 * into <dir>/seed/nocloud, the seed folder NoCloud reads besides a cidata volume, then read by
 * DataSourceNoCloud and cloud-init's network-config parser.
 */
export async function readSeedWithNoCloud(isoPath: string): Promise<NoCloudView> {
  const cloudDir = await tempDir("vmforge-nocloud-");
  await execa("xorriso", ["-osirrox", "on", "-indev", isoPath, "-extract", "/", join(cloudDir, "seed", "nocloud")]);
  const result = await execa("/usr/bin/python3", ["-c", NOCLOUD_READ, cloudDir]);
  return JSON.parse(result.stdout) as NoCloudView;
}
