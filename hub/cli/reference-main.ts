/**
 * `npm run docs:cli`: writes docs/cli.md from the command definitions (reference.ts). Run from the
 * repository root; the unit test says when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { CLI_REFERENCE_PATH, cliReference } from './reference.js';

writeFileSync(CLI_REFERENCE_PATH, cliReference());
process.stdout.write(`wrote ${CLI_REFERENCE_PATH}\n`);
