import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // cloud-init schema takes about a second a call; a busy CI machine may take several.
  // No test reaches the internet: plans of the examples do not ask cloud.debian.org for an image size.
  test: { name: "@vmforge/plugin-linux-setup", include: ["test/**/*.test.ts"], env: { VMFORGE_OFFLINE: "1" }, testTimeout: 30_000, hookTimeout: 60_000 },
});
