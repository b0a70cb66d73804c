import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // No test reaches the internet: plans of the examples do not ask cloud.debian.org for an image size.
  test: { name: "@vmforge/plugin-kubevirt", include: ["test/**/*.test.ts"], env: { VMFORGE_OFFLINE: "1" }, testTimeout: 30_000, hookTimeout: 60_000 },
});
