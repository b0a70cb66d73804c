import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "@vmforge/plugin-env-check",
    include: ["test/**/*.test.ts"],
    // Snapshot round trips run the whole check twice, and the shared machine is often loaded.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
