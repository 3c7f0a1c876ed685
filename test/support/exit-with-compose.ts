/**
 * Run as its own process by the exit test: starts a compose run through the real driver with the
 * hanging stand-in as COMPOSE_BIN, then leaves with `process.exit` while it runs, as an Electron
 * quit would. Usage: exit-with-compose.ts <compose bin> <pid file>
 */
import { existsSync } from 'node:fs';
import { ComposeDriver } from '../../src/main/compose/driver.js';
import { sleep } from './sleep.js';

const [bin, pidFile] = process.argv.slice(2);
if (bin === undefined || pidFile === undefined) throw new Error('usage: exit-with-compose.ts <bin> <pid file>');
const driver = new ComposeDriver({ composeBin: bin, dockerHost: 'unix:///var/run/docker.sock' });
const cli = await driver.cli();
void driver.run(cli, ['up'], { timeoutMs: 600_000 });
while (!existsSync(pidFile)) await sleep(20);
process.exit(0);
