// zod for plugins, bundled into this one file: `import { z } from "@vmforge/kernel/zod"`.
// The zod package itself is about a hundred modules, which a cold CLI start pays for in loading
// alone; every plugin sharing this copy also shares one set of schema classes.
export * from "zod";
