import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // Real QEMU and qemu-img runs take a few seconds on a busy two-core machine.
  test: { name: "@vmforge/plugin-qemu-setup", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
