// zod for plugins, bundled into this one file: `import { z } from "@vmforge/kernel/zod"`.
// The zod package itself is about a hundred modules, which a cold CLI start pays for in loading
// alone; every plugin sharing this copy also shares one set of schema classes.
import { config } from "zod";

// zod compiles a fast path for each object schema with `new Function` on first use. A CLI run
// parses each schema a handful of times, so the compiling costs more than it saves (about 60 ms
// of a `plan`, `pnpm bench -- plan`), and a process that runs as root evaluates no generated code.
config({ jitless: true });

export * from "zod";
