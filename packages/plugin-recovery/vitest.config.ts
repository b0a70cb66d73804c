import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // The root config's timeouts do not reach a project; runs of the real CLI on a loaded CI machine need these.
  // No test reaches the internet: plans of the examples do not ask cloud.debian.org for an image size.
  test: { name: "@vmforge/plugin-recovery", include: ["test/**/*.test.ts"], env: { VMFORGE_OFFLINE: "1" }, testTimeout: 30_000, hookTimeout: 60_000 },
});
