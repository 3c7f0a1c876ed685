import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import type { ClientApi } from './client/api.js';
import { createRestClient } from './client/rest-client.js';
import type { RouteTable } from './client/route-table.js';
import './styles.css';
import { App } from './ui/App.js';

/** The contract's routes, put in by the build (scripts/renderer-build.mjs). */
declare const __LUCID_ROUTES__: RouteTable;

declare global {
  interface Window {
    /** The preload's API, inside the Electron app. */
    lucidDocker?: ClientApi;
  }
}

// Inside Electron the preload is the client; in a browser, the REST API of the server that served the page.
const bridged = window.lucidDocker;
const makeClient = bridged ? () => bridged : () => createRestClient({ baseUrl: '', routes: __LUCID_ROUTES__ });

render(<App makeClient={makeClient} bridged={bridged !== undefined} />, document.getElementById('app') as HTMLElement);
