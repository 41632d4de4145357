/**
 * Only the dashboard's own files, from this origin: no inline script or style, no other host.
 * The key is sent by fetch() to this origin (connect-src); forms never submit anywhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The one HTML page: an empty shell the dashboard's scripts fill in. */
export function dashboardPage(assetsPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Triggers dashboard</title>
  <link rel="icon" href="${assetsPath}/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="${assetsPath}/dashboard.css">
  <script type="module" src="${assetsPath}/main.js"></script>
</head>
<body>
  <div id="app"><noscript>The dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;
}
