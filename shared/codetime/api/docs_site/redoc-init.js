// ReDoc for the CodeTime API; the schema URL comes from the page (data-openapi-url), like swagger-init.js.
window.addEventListener("load", function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, {}, root);
});
