import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: { name: "@vmforge/plugin-qemu-setup", include: ["test/**/*.test.ts"] },
});
