// The API reference page: Swagger UI (vendored, web/docs/vendor/) over the
// document the API generates. A file of its own, not an inline script: the
// site's Content-Security-Policy allows scripts from 'self' only.
window.ui = window.SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  // No call to an outside validator: the page talks to this site only.
  validatorUrl: null,
  // "Authorize" with the password flow posts to /api/v1/auth/login.
  persistAuthorization: false,
  tryItOutEnabled: false,
});
