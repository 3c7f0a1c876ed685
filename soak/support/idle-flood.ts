/**
 * The attacker of soak/connections.soak.ts, in a process of its own so that its descriptors do
 * not count against the measuring process (run it with a raised `ulimit -n`). Holds up to
 * `--count` connections that never send a byte, spread over `--addresses` local addresses, for
 * `--seconds` (with `--reopen`, opening a new one whenever the server closes one); then prints its
 * figures as JSON.
 */
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    count: { type: 'string', default: '20000' },
    addresses: { type: 'string', default: '127.0.0.2' },
    seconds: { type: 'string', default: '30' },
    reopen: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
const target = Number(values.count);
const addresses = (values.addresses ?? '').split(',');
const endAt = Date.now() + Number(values.seconds) * 1000;
const PENDING_MAX = 500;

let open = 0;
let pending = 0;
let opened = 0;
let closedByServer = 0;
let failed = 0;
let peak = 0;
let next = 0;
const sockets = new Set<ReturnType<typeof connect>>();

function openOne(): void {
  const localAddress = addresses[next++ % addresses.length];
  pending++;
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let connected = false;
  socket.once('connect', () => {
    connected = true;
    pending--;
    open++;
    opened++;
    peak = Math.max(peak, open);
    sockets.add(socket);
  });
  socket.on('error', () => {});
  socket.once('close', () => {
    sockets.delete(socket);
    if (connected) {
      open--;
      if (Date.now() < endAt) closedByServer++;
    } else {
      pending--;
      failed++;
    }
  });
}

const fill = setInterval(() => {
  if (Date.now() >= endAt) {
    clearInterval(fill);
    for (const socket of sockets) socket.destroy();
    setTimeout(() => {
      console.log(JSON.stringify({ opened, closedByServer, failed, peak }));
      process.exit(0);
    }, 200);
    return;
  }
  while ((values.reopen ? open + pending : opened + pending + failed) < target && pending < PENDING_MAX) openOne();
}, 5);
