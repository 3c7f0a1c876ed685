import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import { LucidError } from '../../shared/errors.js';
import { sendError } from './errors.js';
import { locals } from './request-context.js';

/**
 * The built page (`npm run build` writes dist/renderer): three levels above this file both in
 * src/main/http (tests) and in dist/main/http (the package), and in the Electron main bundle,
 * whose module URL is set at the same depth.
 */
const PAGE_DIR = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));
const FILES: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css', '/favicon.svg': 'favicon.svg' };

/**
 * Only this server's own files, no inline script or style, nothing from elsewhere: the token the
 * page holds cannot be sent anywhere but here.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The dashboard at `/`: public files (the page signs in with a token); every call it makes is checked as any other. */
export function mountDashboard(app: express.Express): void {
  for (const [route, file] of Object.entries(FILES)) {
    app.get(route, (_req: Request, res: Response) => {
      locals(res).route = route;
      const path = PAGE_DIR + file;
      if (!existsSync(path)) {
        sendError(res, new LucidError('ROUTE_NOT_FOUND', 'the dashboard is not built: run npm run build'), locals(res).requestId);
        return;
      }
      res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.sendFile(path);
    });
  }
}
