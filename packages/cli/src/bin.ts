#!/usr/bin/env node
import { exitQuietlyOnClosedPipe } from "./closed-pipe.js";
import { main } from "./main.js";

exitQuietlyOnClosedPipe(process.stdout, process.stderr);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
