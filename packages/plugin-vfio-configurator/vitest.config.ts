import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // The root config's 30 s does not reach a project; pipeline runs on a loaded CI machine need it.
  // No test reaches the internet: plans of the examples do not ask cloud.debian.org for an image size.
  test: { name: "@vmforge/plugin-vfio-configurator", include: ["test/**/*.test.ts"], env: { VMFORGE_OFFLINE: "1" }, testTimeout: 30_000, hookTimeout: 60_000 },
});
