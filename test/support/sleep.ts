/** The tests' one sleep: the manager's own. */
export { sleep } from '../../src/main/system/sleep.js';
