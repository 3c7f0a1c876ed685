import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { operations } from '../../shared/contract/index.js';
import { packageInfo } from '../system/package-version.js';
import { buildOpenApiDocument } from './openapi.js';
import { locals } from './request-context.js';

/** Only what the page loads; the package's demo pages and source maps stay unserved. */
const SWAGGER_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'index.css', 'favicon-32x32.png', 'favicon-16x16.png'];

/** The page runs only files from this server: no CDN (the GUI may be offline), no inline script. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI sets style attributes from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Lucid GUI Docker Manager API</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="./index.css">
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="./init.js" charset="UTF-8"></script>
  </body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '../openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** `/openapi.json` and the `/docs` page: public, REST only, outside the operation contract. */
export function mountDocs(app: express.Express): void {
  const body = JSON.stringify(buildOpenApiDocument(operations, packageInfo()));

  const assets = swaggerUiDir();

  app.get('/openapi.json', (_req: Request, res: Response) => {
    locals(res).route = '/openapi.json';
    res.type('application/json').send(body);
  });

  const docs = express.Router({ strict: true });
  docs.use((_req: Request, res: Response, next) => {
    locals(res).route = '/docs';
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  docs.get('/', (req: Request, res: Response) => {
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    res.type('html').send(PAGE);
  });
  docs.get('/init.js', (_req: Request, res: Response) => {
    res.type('application/javascript').send(INIT);
  });
  for (const file of SWAGGER_ASSETS) {
    docs.get(`/${file}`, (_req: Request, res: Response) => {
      res.sendFile(join(assets, file), { maxAge: '1h' });
    });
  }
  app.use('/docs', docs);
}
