// Starts Swagger UI on the API's own document (a file, not inline: the pages' CSP).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
                              deepLinking: true});
});
