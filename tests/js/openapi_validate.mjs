// Validates an OpenAPI document (a file) against the OpenAPI 3.1 schema and
// resolves every $ref: @apidevtools/swagger-parser. Prints a JSON summary;
// exits 1 with the validator's message when the document is invalid.
// Used by tests/e2e/test_openapi.py.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  const operations = Object.values(api.paths)
    .reduce((n, item) => n + Object.keys(item).filter((k) => k !== "parameters").length, 0);
  console.log(JSON.stringify({ valid: true, openapi: api.openapi, paths: Object.keys(api.paths).length, operations }));
} catch (err) {
  console.error(String(err.message || err));
  process.exit(1);
}
