#!/usr/bin/env node
// Launcher only: the CLI lives in dist/ (built by `npm run build`, which `npm ci` runs).
import { main } from "../dist/cli/main.js";

process.exitCode = await main();
