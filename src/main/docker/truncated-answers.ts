import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { subscribe } from 'node:diagnostics_channel';

/**
 * docker-modem never settles a call whose answer the daemon cuts off halfway: the response is
 * destroyed, 'end' never comes, and the call would sit until its deadline. Node announces every
 * outgoing HTTP request on a diagnostics channel; a request made inside `failOnTruncation` gets
 * its response watched, and a response that closes incomplete fails the call at once as the
 * broken connection it is.
 */
const pending = new AsyncLocalStorage<(err: Error) => void>();

/**
 * Calls not settled yet. While there is none, the storage is disabled: in this Node an enabled
 * AsyncLocalStorage runs a hook on every promise and callback of the process, and a list answered
 * from the live state, which asks Docker nothing, would pay for it on every request.
 */
let inFlight = 0;

subscribe('http.client.request.start', (message) => {
  const fail = pending.getStore();
  if (!fail) return;
  const { request } = message as { request: ClientRequest };
  request.once('response', (res: IncomingMessage) => {
    res.once('close', () => {
      if (!res.complete) fail(Object.assign(new Error('Docker closed its answer halfway'), { code: 'ECONNRESET' }));
    });
  });
});

export function failOnTruncation<T>(fn: () => Promise<T>): Promise<T> {
  inFlight++;
  const call = new Promise<T>((resolve, reject) => {
    pending.run(reject, () => {
      fn().then(resolve, reject);
    });
  });
  const settled = () => {
    inFlight--;
    if (inFlight === 0) pending.disable();
  };
  call.then(settled, settled);
  return call;
}
