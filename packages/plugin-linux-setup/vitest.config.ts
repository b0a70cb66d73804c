import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // cloud-init schema takes about a second a call; a busy CI machine may take several.
  test: { name: "@vmforge/plugin-linux-setup", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
