import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // The root config's 30 s does not reach a project; pipeline runs on a loaded CI machine need it.
  test: { name: "@vmforge/plugin-lifecycle", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
