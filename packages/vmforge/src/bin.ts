#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { exitQuietlyOnClosedPipe, main } from "@vmforge/cli";

// The bundle's own package.json lists the first-party plugins; the CLI reads it after the project's.
exitQuietlyOnClosedPipe(process.stdout, process.stderr);
const bundleManifest = fileURLToPath(new URL("../package.json", import.meta.url));
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), bundleManifest });
