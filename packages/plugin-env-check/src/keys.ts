import { defineSessionKey, type SchemaLike } from "@vmforge/kernel";
import type { BlockDevice, EnvironmentData, HostCpuFacts, HostOsFacts, HostPciFacts, HostReport, IommuInfo, MemoryInfo, ModulesInfo, NetworkInterface } from "./contract.js";

/**
 * The same session keys as contract.ts, without zod: `vmforge check` must start in about the
 * time of `node -e 0`, and zod alone costs ~90 ms to import. The session matches keys by name,
 * so these and the zod keys are interchangeable. Here a write is checked for its top-level
 * shape only; the full zod schemas are enforced by the test suite on every fixture host and by
 * consumers that validate what they read.
 */
function shapeOf<T>(description: string, requiredKeys: readonly string[], array = false): SchemaLike<T> {
  return {
    safeParse(value: unknown) {
      if (array) {
        return Array.isArray(value) ? { success: true, data: value as T } : { success: false, error: { issues: [{ path: [], message: `expected ${description} (an array)` }] } };
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { success: false, error: { issues: [{ path: [], message: `expected ${description} (an object)` }] } };
      }
      const missing = requiredKeys.filter((key) => !(key in value));
      if (missing.length) return { success: false, error: { issues: missing.map((key) => ({ path: [key], message: "required" })) } };
      return { success: true, data: value as T };
    },
  };
}

export const environmentDataKey = defineSessionKey<EnvironmentData>(
  "environment_data",
  shapeOf("environment data", ["schemaVersion", "os", "kernel", "cpu", "memory", "kvm", "firmware", "pci", "gpus", "iommu", "modules", "storage", "network"]),
);
export const hostReportKey = defineSessionKey<HostReport>("host_report", shapeOf("a host report", ["checks", "gpus", "kvmUsable", "unfitReasons"]));
export const hostOsKey = defineSessionKey<HostOsFacts>("host_os", shapeOf("OS facts", ["os", "kernel", "firmware"]));
export const hostCpuKey = defineSessionKey<HostCpuFacts>("host_cpu", shapeOf("CPU facts", ["cpu", "kvm"]));
export const hostMemoryKey = defineSessionKey<MemoryInfo>("host_memory", shapeOf("memory facts", ["totalBytes", "availableBytes", "hugepages"]));
export const hostPciKey = defineSessionKey<HostPciFacts>("host_pci", shapeOf("PCI facts", ["devices", "gpus"]));
export const hostIommuKey = defineSessionKey<IommuInfo>("host_iommu", shapeOf("IOMMU facts", ["enabled", "reason", "groups"]));
export const hostModulesKey = defineSessionKey<ModulesInfo>("host_modules", shapeOf("module facts", ["loaded", "source", "relevant"]));
export const hostStorageKey = defineSessionKey<BlockDevice[]>("host_storage", shapeOf("block devices", [], true));
export const hostNetworkKey = defineSessionKey<NetworkInterface[]>("host_network", shapeOf("network interfaces", [], true));
