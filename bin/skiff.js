#!/usr/bin/env node
// The one `skiff` executable. `skiff agent` loads only the agent's code (it runs on a Pi with
// 1 GB, and must not pay for the hub's or the CLI's modules); every other subcommand is the
// hub's CLI. This file is the only place that knows both sides, so agent/ and hub/ never import
// each other.
const [, , command] = process.argv;
const entry = command === 'agent' ? '../dist/agent/main.js' : '../dist/hub/cli/main.js';
const { main } = await import(new URL(entry, import.meta.url).href);
await main(process.argv.slice(2));
