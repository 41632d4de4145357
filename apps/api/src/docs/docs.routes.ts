import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { route } from '../http/route.js';
import { buildOpenApiDocument } from './openapi.js';

/** swagger-ui-dist's files, served from node_modules so the page works offline (no CDN). */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist that PAGE loads, by their path under /docs/assets. */
const ASSETS = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Triggers API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
  </script>
</body>
</html>
`;

/** GET /openapi.json and GET /docs (with its static assets), no API key needed. */
export function docsRoutes(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());
  route(router, '/openapi.json', {
    get: [(_req, res) => void res.type('application/json').send(document)],
  });
  route(router, '/docs', {
    get: [(_req, res) => void res.type('html').send(PAGE)],
  });
  // Only the two files the page loads: not the rest of swagger-ui-dist (its other bundles,
  // source maps, package.json, an index.html that loads a remote petstore example).
  const serve = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });
  router.use('/docs/assets', (req, res, next) => (ASSETS.has(req.path) ? serve(req, res, next) : next()));
  return router;
}
