// Swagger UI for the CodeTime API. The schema URL comes from the page (data-openapi-url): a static file, so the
// page needs no inline script (the dashboard's Content-Security-Policy allows scripts from 'self' only).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    // Swagger UI's default validator is an external service (a badge image per page view): off, no third party.
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
