/**
 * A process that starts a one-node test swarm, says `up <id>` and waits: what a test run that is
 * killed halfway looks like, for the test that checks nothing of the swarm is left after a signal.
 */
import { TestSwarm } from './swarm.js';

const swarm = await TestSwarm.start(0);
console.log(`up ${swarm.id}`);
setInterval(() => undefined, 60_000);
