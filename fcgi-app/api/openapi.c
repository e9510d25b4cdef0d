/* GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the
 * route table and the docs the handlers declare beside their field tables
 * (api/route_doc.h). A worker builds it on the first request and keeps the
 * text for its life: it changes only with the program. */
#include "api/openapi.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/openapi_schemas.h"
#include "api/response.h"
#include "api/route_doc.h"
#include "api/routes.h"
#include "common/log.h"
#include "common/webhook.h"

#define API_BASE "/api/v1"

static const char api_description[] =
    "Quarry takes data files, runs them through processing steps and reports progress.\n\n"
    "- Every path also answers without `/api/v1` (`/auth/login`, `/jobs/{id}`, "
    "`/status/{uploadId}`, ...): the source documents' own paths.\n"
    "- JSON in and out; times are ISO-8601 UTC with milliseconds; ids are lower-case UUIDs.\n"
    "- Every refusal has one shape, `Error`; a `422 VALIDATION_ERROR` names the field "
    "in `error.field`.\n"
    "- Lists take `skip` (or `offset`) and `limit` (1..1000, default 100) and send "
    "`X-Total-Count`. An endpoint refuses a query key it does not declare (422).\n"
    "- Unknown body fields are ignored.";

/* What an answer means when the route's doc says nothing more. */
static const struct {
    int status;
    const char *name; /* in components.responses, for the refusals */
    const char *code; /* the error code of its example */
    const char *text;
} answer_texts[] = {
    {200, NULL, NULL, "OK"},
    {201, NULL, NULL, "Created"},
    {202, NULL, NULL, "Accepted: queued"},
    {204, NULL, NULL, "No content"},
    {302, NULL, NULL, "Found: Location holds a fresh signed URL"},
    {304, NULL, NULL, "Not modified: the If-None-Match ETag is current"},
    {400, "BadRequest", "INVALID_STATE", "The request cannot be done in the current state"},
    {401, "Unauthorized", "UNAUTHORIZED", "No token, or an expired or invalid one"},
    {403, "Forbidden", "FORBIDDEN", "Not allowed: someone else's, or rights are missing"},
    {404, "NotFound", "NOT_FOUND", "No such thing (or not the caller's to know of)"},
    {409, "Conflict", "CONFLICT", "It exists already, or it changed meanwhile"},
    {410, "Gone", "GONE", "It expired and was removed"},
    {412, "PreconditionFailed", "PRECONDITION_FAILED", "A required protocol header is missing"},
    {413, "PayloadTooLarge", "PAYLOAD_TOO_LARGE", "The body is larger than allowed"},
    {415, "UnsupportedMediaType", "UNSUPPORTED_MEDIA_TYPE", "The body is not of a type taken here"},
    {422, "ValidationError", "VALIDATION_ERROR", "A field or query key is wrong (error.field names it)"},
    {429, "RateLimited", "RATE_LIMITED", "Too many requests: wait (Retry-After when sent)"},
    {460, "ChecksumMismatch", "CHECKSUM_MISMATCH", "The body's checksum does not match Upload-Checksum"},
    {500, "InternalError", "INTERNAL_ERROR", "Something failed on the server"},
    {502, "BadGateway", "SOURCE_UNAVAILABLE", "A source database could not be used"},
    {503, "ServiceUnavailable", "SERVICE_UNAVAILABLE", "The database or the API pool is unavailable"},
    {504, "GatewayTimeout", "TIMEOUT", "The work did not end within the wait (it was cancelled)"},
};

/* ------------------------------------------------------------ small builders */

static json_object *str(const char *s)
{
    return json_object_new_string(s);
}

static void add(json_object *o, const char *key, json_object *v)
{
    json_object_object_add(o, key, v);
}

static json_object *ref(const char *kind, const char *name)
{
    char path[160];
    json_object *o = json_object_new_object();
    snprintf(path, sizeof(path), "#/components/%s/%s", kind, name);
    add(o, "$ref", str(path));
    return o;
}

static json_object *typed(const char *type)
{
    json_object *o = json_object_new_object();
    add(o, "type", str(type));
    return o;
}

/* Parses JSON text that this file's own tables hold; a bad one is a bug. */
static json_object *parse_own(const char *text)
{
    json_object *o = json_tokener_parse(text);
    if (o == NULL)
        log_error("openapi: an example is not valid JSON: %s", text);
    return o;
}

/* ------------------------------------------------------------ schemas */

/* The JSON Schema of one declared field. */
static json_object *field_schema(const struct field_spec *f)
{
    json_object *s = NULL;
    switch (f->type) {
    case FIELD_INT:
        s = typed("integer");
        add(s, "minimum", json_object_new_int64(f->min));
        add(s, "maximum", json_object_new_int64(f->max));
        return s;
    case FIELD_BOOL: return typed("boolean");
    case FIELD_OBJECT: return typed("object");
    case FIELD_ARRAY:
        s = typed("array");
        if (f->min > 0)
            add(s, "minItems", json_object_new_int64(f->min));
        if (f->max > 0)
            add(s, "maxItems", json_object_new_int64(f->max));
        return s;
    case FIELD_EMAIL:
        s = typed("string");
        add(s, "format", str("email"));
        break;
    case FIELD_LINE:
        s = typed("string");
        add(s, "pattern", str("^[^\\r\\n]*$"));
        break;
    case FIELD_NAME:
        s = typed("string");
        add(s, "pattern", str("^[A-Za-z0-9._-]+$"));
        break;
    default: s = typed("string"); break;
    }
    if (f->min > 0)
        add(s, "minLength", json_object_new_int64(f->min));
    if (f->max > 0)
        add(s, "maxLength", json_object_new_int64(f->max));
    return s;
}

/* Adds a table's fields to an object schema (properties, and required
 * unless the body is partial). */
static void add_fields(json_object *schema, const struct field_spec *specs, size_t n,
                       bool partial)
{
    json_object *props, *required = NULL;
    if (!json_object_object_get_ex(schema, "properties", &props)) {
        props = json_object_new_object();
        add(schema, "properties", props);
    }
    json_object_object_get_ex(schema, "required", &required);
    for (size_t i = 0; i < n; i++) {
        json_object *old = NULL;
        /* A field two tables declare (a shared spec) keeps its first schema. */
        if (!json_object_object_get_ex(props, specs[i].name, &old))
            add(props, specs[i].name, field_schema(&specs[i]));
        if (!specs[i].required || partial)
            continue;
        if (required == NULL) {
            required = json_object_new_array();
            add(schema, "required", required);
        }
        json_object_array_add(required, str(specs[i].name));
    }
}

/* The object schema a nested table describes: the property "at" names
 * ("counts", "errors[]" for its items, "check_config.rules[]" a level
 * deeper), each step made an object (or an array of them) when it is not. */
static json_object *nested_schema(json_object *body, const char *at)
{
    json_object *target = body;
    for (const char *p = at; *p != '\0';) {
        char name[64];
        size_t len = strcspn(p, ".");
        size_t name_len = strcspn(p, "[.");
        bool items = name_len < len && p[name_len] == '[';
        json_object *props, *prop;
        snprintf(name, sizeof(name), "%.*s", (int)name_len, p);
        if (!json_object_object_get_ex(target, "properties", &props)) {
            props = json_object_new_object();
            add(target, "properties", props);
        }
        if (!json_object_object_get_ex(props, name, &prop)) {
            prop = typed(items ? "array" : "object");
            add(props, name, prop);
        }
        target = prop;
        if (items) {
            if (!json_object_object_get_ex(prop, "items", &target)) {
                target = typed("object");
                add(prop, "items", target);
            }
        }
        p += len;
        if (*p == '.')
            p++;
    }
    return target;
}

/* The request body's schema from the doc's tables. */
static json_object *body_schema(const struct route_doc *doc)
{
    json_object *body = typed("object");
    for (size_t i = 0; i < DOC_TABLES_MAX; i++) {
        const struct doc_fields *t = &doc->fields[i];
        if (t->specs == NULL)
            continue;
        add_fields(t->at ? nested_schema(body, t->at) : body, t->specs, t->n, doc->partial);
    }
    return body;
}

/* One property type of the schema table (see openapi_schemas.c). */
static json_object *schema_type(const char *type, size_t len)
{
    char t[256];
    snprintf(t, sizeof(t), "%.*s", (int)len, type);
    size_t n = strlen(t);
    if (n > 2 && strcmp(t + n - 2, "[]") == 0) {
        json_object *a = typed("array");
        add(a, "items", schema_type(t, n - 2));
        return a;
    }
    if (strncmp(t, "enum:", 5) == 0) {
        json_object *s = typed("string"), *values = json_object_new_array();
        for (char *p = t + 5, *save = NULL, *v; (v = strtok_r(p, "|", &save)) != NULL; p = NULL)
            json_object_array_add(values, str(v));
        add(s, "enum", values);
        return s;
    }
    static const struct {
        const char *name, *type, *format;
    } formats[] = {
        {"uuid", "string", "uuid"},
        {"date-time", "string", "date-time"},
        {"uri", "string", "uri"},
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(t, formats[i].name) == 0) {
            json_object *s = typed(formats[i].type);
            add(s, "format", str(formats[i].format));
            return s;
        }
    if (isupper((unsigned char)t[0]))
        return ref("schemas", t);
    if (strcmp(t, "any") == 0)
        return json_object_new_object(); /* any JSON value */
    return typed(t);
}

/* The schema may also be null: a type becomes [type, "null"]; a $ref or an
 * enum goes into anyOf with {"type":"null"}. */
static json_object *nullable(json_object *s)
{
    json_object *type;
    if (json_object_object_get_ex(s, "type", &type) && !json_object_object_get_ex(s, "enum", NULL)) {
        json_object *both = json_object_new_array();
        json_object_array_add(both, json_object_get(type));
        json_object_array_add(both, str("null"));
        add(s, "type", both);
        return s;
    }
    json_object *any = json_object_new_array(), *o = json_object_new_object();
    json_object_array_add(any, s);
    json_object_array_add(any, typed("null"));
    add(o, "anyOf", any);
    return o;
}

/* A schema of the table: "name type, name? type?, …". */
static json_object *table_schema(const struct doc_schema *d)
{
    json_object *s = typed("object"), *props = json_object_new_object(),
                *required = json_object_new_array();
    add(s, "description", str(d->description));
    for (const char *p = d->properties; *p != '\0';) {
        size_t len = strcspn(p, ",");
        const char *sp = memchr(p, ' ', len);
        if (sp != NULL) {
            size_t name_len = (size_t)(sp - p), type_len = len - name_len - 1;
            bool optional = p[name_len - 1] == '?', may_be_null = sp[type_len] == '?';
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(name_len - optional), p);
            json_object *t = schema_type(sp + 1, type_len - may_be_null);
            add(props, name, may_be_null ? nullable(t) : t);
            if (!optional)
                json_object_array_add(required, str(name));
        }
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    add(s, "properties", props);
    add(s, "required", required);
    return s;
}

/* ------------------------------------------------------------ components */

static const char *answer_text(int status)
{
    for (size_t i = 0; i < sizeof(answer_texts) / sizeof(answer_texts[0]); i++)
        if (answer_texts[i].status == status)
            return answer_texts[i].text;
    return "Answer";
}

static const char *answer_name(int status)
{
    for (size_t i = 0; i < sizeof(answer_texts) / sizeof(answer_texts[0]); i++)
        if (answer_texts[i].status == status)
            return answer_texts[i].name;
    return NULL;
}

static json_object *error_responses(void)
{
    json_object *all = json_object_new_object();
    for (size_t i = 0; i < sizeof(answer_texts) / sizeof(answer_texts[0]); i++) {
        if (answer_texts[i].name == NULL)
            continue;
        char example[512];
        snprintf(example, sizeof(example),
                 "{\"error\":{\"code\":\"%s\",\"message\":\"%s\","
                 "\"timestamp\":\"2026-01-09T10:00:00.000Z\"},\"detail\":\"%s\"}",
                 answer_texts[i].code, answer_texts[i].text, answer_texts[i].text);
        json_object *media = json_object_new_object(), *content = json_object_new_object(),
                    *r = json_object_new_object();
        add(media, "schema", ref("schemas", "Error"));
        add(media, "example", parse_own(example));
        add(content, "application/json", media);
        add(r, "description", str(answer_texts[i].text));
        add(r, "content", content);
        add(all, answer_texts[i].name, r);
    }
    return all;
}

static bool has_route(const struct route *routes, size_t n, const char *method, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, path) == 0)
            return true;
    return false;
}

/* Bearer tokens three ways: Quarry's own (the password flow), an external
 * issuer's, and a service account's (client credentials) once the route
 * that grants them is in the table. */
static json_object *security_schemes(const struct route *routes, size_t n)
{
    json_object *all = json_object_new_object(), *s;

    s = json_object_new_object();
    add(s, "type", str("http"));
    add(s, "scheme", str("bearer"));
    add(s, "bearerFormat", str("JWT"));
    add(s, "description", str("A token from POST /auth/login (HS256, signed by Quarry), or an "
                              "RS256/ES256 token of an issuer the operator configured."));
    add(all, "bearer", s);

    s = json_object_new_object();
    add(s, "type", str("oauth2"));
    add(s, "description", str("The OAuth2 password flow of POST /auth/login: a form "
                              "username=<email or username>&password=…"));
    json_object *flows = json_object_new_object(), *flow = json_object_new_object();
    add(flow, "tokenUrl", str(API_BASE "/auth/login"));
    add(flow, "scopes", json_object_new_object());
    add(flows, "password", flow);
    add(s, "flows", flows);
    add(all, "password", s);

    s = json_object_new_object();
    add(s, "type", str("http"));
    add(s, "scheme", str("bearer"));
    add(s, "bearerFormat", str("JWT"));
    add(s, "description",
        str("A token of an external issuer (e.g. an AWS Cognito user pool or Google), signed "
            "RS256 or ES256 with a key of the issuer's JWKS; iss, aud or client_id, exp and nbf "
            "are checked, and the first token of a subject creates its Quarry user."));
    add(all, "externalIssuer", s);

    if (has_route(routes, n, "POST", API_BASE "/auth/token")) {
        s = json_object_new_object();
        add(s, "type", str("oauth2"));
        add(s, "description", str("Service accounts: the client-credentials grant of POST "
                                  "/auth/token with the account's id and key."));
        flows = json_object_new_object();
        flow = json_object_new_object();
        add(flow, "tokenUrl", str(API_BASE "/auth/token"));
        add(flow, "scopes", json_object_new_object());
        add(flows, "clientCredentials", flow);
        add(s, "flows", flows);
        add(all, "clientCredentials", s);
    }
    return all;
}

static json_object *page_parameters(void)
{
    static const struct {
        const char *name, *description;
        long long min, max;
    } keys[] = {
        {"skip", "How many items to pass over (default 0)", 0, 1LL << 40},
        {"offset", "Another name for skip (give one of them)", 0, 1LL << 40},
        {"limit", "How many items at most (default 100)", 1, 1000},
    };
    json_object *all = json_object_new_object();
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_object *p = json_object_new_object(), *s = typed("integer");
        add(s, "minimum", json_object_new_int64(keys[i].min));
        add(s, "maximum", json_object_new_int64(keys[i].max));
        add(p, "name", str(keys[i].name));
        add(p, "in", str("query"));
        add(p, "description", str(keys[i].description));
        add(p, "schema", s);
        add(all, keys[i].name, p);
    }
    return all;
}

static json_object *components(const struct route *routes, size_t n)
{
    json_object *c = json_object_new_object(), *schemas = json_object_new_object();
    for (size_t i = 0; i < doc_nschemas; i++)
        add(schemas, doc_schemas[i].name, table_schema(&doc_schemas[i]));
    add(c, "schemas", schemas);
    add(c, "responses", error_responses());
    add(c, "parameters", page_parameters());
    add(c, "securitySchemes", security_schemes(routes, n));
    return c;
}

/* ------------------------------------------------------------ operations */

/* The route's path without the base ("/jobs/{id}"). */
static const char *doc_path(const char *pattern)
{
    size_t base = strlen(API_BASE);
    return strncmp(pattern, API_BASE, base) == 0 ? pattern + base : pattern;
}

/* "post_jobs_id_upload_url": unique, since (method, path) is. */
static json_object *operation_id(const char *method, const char *path)
{
    char id[256];
    size_t o = 0;
    for (const char *m = method; *m && o < sizeof(id) - 1; m++)
        id[o++] = (char)tolower((unsigned char)*m);
    for (const char *p = path; *p && o < sizeof(id) - 2; p++) {
        if (isalnum((unsigned char)*p))
            id[o++] = *p;
        else if (o > 0 && id[o - 1] != '_' && *p != '}')
            id[o++] = '_';
    }
    while (o > 0 && id[o - 1] == '_')
        o--;
    id[o] = '\0';
    return str(id);
}

/* The first segment after the base names the operation's group. */
static json_object *tags_of(const char *path)
{
    char tag[64];
    const char *p = path[0] == '/' ? path + 1 : path;
    snprintf(tag, sizeof(tag), "%.*s", (int)strcspn(p, "/"), p);
    json_object *tags = json_object_new_array();
    json_object_array_add(tags, str(tag));
    return tags;
}

static const char *param_description(const char *name)
{
    if (strcmp(name, "krn") == 0)
        return "A client's KRN, krn:<org>:client:<id> (it may be percent-encoded)";
    if (strcmp(name, "deliveryId") == 0)
        return "A delivery's id (its webhook-id)";
    if (strcmp(name, "uploadId") == 0)
        return "The job's id (the status view calls it the upload id)";
    return "An id (a lower-case UUID)";
}

static json_object *parameters(const char *pattern, const struct route_doc *doc)
{
    json_object *list = json_object_new_array();
    for (const char *p = strchr(pattern, '{'); p != NULL; p = strchr(p + 1, '{')) {
        size_t len = strcspn(p + 1, "}");
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
        json_object *o = json_object_new_object();
        add(o, "name", str(name));
        add(o, "in", str("path"));
        add(o, "required", json_object_new_boolean(1));
        add(o, "description", str(param_description(name)));
        add(o, "schema", typed("string"));
        json_object_array_add(list, o);
    }
    for (size_t i = 0; doc != NULL && i < doc->nquery; i++) {
        json_object *o = json_object_new_object();
        add(o, "name", str(doc->query[i].name));
        add(o, "in", str("query"));
        add(o, "schema", field_schema(&doc->query[i]));
        json_object_array_add(list, o);
    }
    for (const char *h = doc ? doc->headers : NULL; h != NULL && *h;) {
        size_t len = strcspn(h, " ");
        bool required = len > 0 && h[len - 1] == '!';
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(len - required), h);
        json_object *o = json_object_new_object();
        add(o, "name", str(name));
        add(o, "in", str("header"));
        add(o, "required", json_object_new_boolean(required));
        add(o, "schema", typed("string"));
        json_object_array_add(list, o);
        h += len;
        while (*h == ' ')
            h++;
    }
    if (doc != NULL && doc->paged) {
        json_object_array_add(list, ref("parameters", "skip"));
        json_object_array_add(list, ref("parameters", "offset"));
        json_object_array_add(list, ref("parameters", "limit"));
    }
    return list;
}

/* The example as JSON: a form example becomes its object of strings. */
static json_object *example_json(const struct route_doc *doc)
{
    if (doc->body != DOC_BODY_FORM_JSON || doc->example[0] == '{')
        return parse_own(doc->example);
    json_object *o = json_object_new_object();
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", doc->example);
    for (char *p = buf, *save = NULL, *kv; (kv = strtok_r(p, "&", &save)) != NULL; p = NULL) {
        char *eq = strchr(kv, '=');
        if (eq != NULL) {
            *eq = '\0';
            add(o, kv, str(eq + 1));
        }
    }
    return o;
}

static json_object *media(json_object *schema, json_object *example)
{
    json_object *m = json_object_new_object();
    add(m, "schema", schema);
    if (example != NULL)
        add(m, "example", example);
    return m;
}

static json_object *request_body(const struct route_doc *doc)
{
    json_object *rb = json_object_new_object(), *content = json_object_new_object();
    bool has_example = doc->example != NULL;
    switch (doc->body) {
    case DOC_BODY_JSON:
        add(content, "application/json",
            media(body_schema(doc), has_example ? example_json(doc) : NULL));
        break;
    case DOC_BODY_FORM_JSON:
        add(content, "application/x-www-form-urlencoded",
            media(body_schema(doc), has_example ? example_json(doc) : NULL));
        add(content, "application/json", media(body_schema(doc), NULL));
        break;
    case DOC_BODY_MULTIPART: {
        json_object *s = typed("object"), *props = json_object_new_object(),
                    *file = typed("string"), *required = json_object_new_array();
        add(file, "contentMediaType", str("application/octet-stream"));
        add(props, "file", file);
        json_object_array_add(required, str("file"));
        add(s, "properties", props);
        add(s, "required", required);
        add(content, "multipart/form-data", media(s, NULL));
        break;
    }
    case DOC_BODY_BYTES: {
        json_object *s = typed("string");
        add(s, "contentMediaType", str("application/offset+octet-stream"));
        add(content, "application/offset+octet-stream", media(s, NULL));
        break;
    }
    default: break;
    }
    add(rb, "content", content);
    /* An empty JSON body counts as {}: only a body with required fields must come. */
    bool required = doc->body == DOC_BODY_MULTIPART || doc->body == DOC_BODY_FORM_JSON;
    for (size_t i = 0; i < DOC_TABLES_MAX && !required && !doc->partial; i++)
        for (size_t j = 0; doc->fields[i].at == NULL && j < doc->fields[i].n; j++)
            required = required || doc->fields[i].specs[j].required;
    add(rb, "required", json_object_new_boolean(required));
    return rb;
}

/* A success answer whose body has the schema answer (see route_doc.h; NULL:
 * no body). */
static json_object *success_response(const char *answer, int status)
{
    json_object *r = json_object_new_object();
    add(r, "description", str(answer_text(status)));
    if (answer == NULL)
        return r;
    json_object *content = json_object_new_object(), *schema;
    size_t len = strlen(answer);
    if (strcmp(answer, "text") == 0) {
        add(content, "text/plain", media(typed("string"), NULL));
        add(r, "content", content);
        return r;
    }
    if (len > 2 && strcmp(answer + len - 2, "[]") == 0) {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(len - 2), answer);
        schema = typed("array");
        add(schema, "items", ref("schemas", name));
        json_object *headers = json_object_new_object(), *h = json_object_new_object();
        add(h, "description", str("How many items the whole list has"));
        add(h, "schema", typed("integer"));
        add(headers, "X-Total-Count", h);
        add(r, "headers", headers);
    } else {
        schema = ref("schemas", answer);
    }
    add(content, "application/json", media(schema, NULL));
    add(r, "content", content);
    return r;
}

/* Adds the answer for status, unless the operation has it already: a
 * success has the schema answer (the doc's, or its own from "202:Job"). */
static void add_answer(json_object *responses, const char *answer, int status)
{
    char key[8];
    snprintf(key, sizeof(key), "%d", status);
    if (json_object_object_get_ex(responses, key, NULL))
        return;
    const char *name = answer_name(status);
    if (status >= 400 && name != NULL)
        add(responses, key, ref("responses", name));
    else if (status < 300)
        add(responses, key, success_response(answer, status));
    else
        add(responses, key, success_response(NULL, status));
}

static json_object *responses(const struct route *r, const struct route_doc *doc)
{
    json_object *all = json_object_new_object();
    const char *answer = doc != NULL ? doc->answer : NULL;
    add_answer(all, answer, doc != NULL && doc->status ? doc->status : 200);
    for (const char *p = doc ? doc->answers : NULL; p != NULL && *p;) {
        char *end, own[64];
        long status = strtol(p, &end, 10);
        if (end == p)
            break;
        p = end;
        if (*p == ':') {
            size_t len = strcspn(++p, " ");
            snprintf(own, sizeof(own), "%.*s", (int)len, p);
            p += len;
            add_answer(all, own, (int)status);
        } else {
            add_answer(all, answer, (int)status);
        }
    }
    if (r->access != ROUTE_PUBLIC)
        add_answer(all, answer, 401);
    if (r->access != ROUTE_PUBLIC && r->access != ROUTE_USER)
        add_answer(all, answer, 403);
    if (strchr(r->pattern, '{') != NULL) {
        add_answer(all, answer, 403);
        add_answer(all, answer, 404);
    }
    if (doc != NULL && doc->body != DOC_BODY_NONE) {
        add_answer(all, answer, 413);
        add_answer(all, answer, 415);
    }
    add_answer(all, answer, 422); /* a query key nobody declared, at least */
    add_answer(all, answer, 500);
    add_answer(all, answer, 503);
    return all;
}

static json_object *security(const struct route *r)
{
    json_object *list = json_object_new_array();
    switch (r->access) {
    case ROUTE_PUBLIC: return list;
    case ROUTE_USER:
    case ROUTE_ADMIN:
        json_object_array_add(list, json_object_new_object());
        json_object_object_add(json_object_array_get_idx(list, 0), "bearer",
                               json_object_new_array());
        json_object_array_add(list, json_object_new_object());
        json_object_object_add(json_object_array_get_idx(list, 1), "password",
                               json_object_new_array());
        json_object_array_add(list, json_object_new_object());
        json_object_object_add(json_object_array_get_idx(list, 2), "externalIssuer",
                               json_object_new_array());
        return list;
    default:
        /* Routes a service account may call too. */
        json_object_put(list);
        list = security(&(struct route){r->method, r->pattern, r->handler, ROUTE_USER});
        json_object_array_add(list, json_object_new_object());
        json_object_object_add(json_object_array_get_idx(list, 3), "clientCredentials",
                               json_object_new_array());
        return list;
    }
}

static json_object *operation(const struct route *r, const struct route_doc *doc)
{
    json_object *op = json_object_new_object();
    const char *path = doc_path(r->pattern);
    add(op, "operationId", operation_id(r->method, path));
    add(op, "tags", tags_of(path));
    add(op, "summary", str(doc && doc->summary ? doc->summary : "Undocumented"));
    if (doc != NULL && doc->description != NULL)
        add(op, "description", str(doc->description));
    json_object *params = parameters(r->pattern, doc);
    if (json_object_array_length(params) > 0)
        add(op, "parameters", params);
    else
        json_object_put(params);
    if (doc != NULL && doc->body != DOC_BODY_NONE)
        add(op, "requestBody", request_body(doc));
    add(op, "responses", responses(r, doc));
    add(op, "security", security(r));
    return op;
}

static const char *method_key(const char *method, char *buf, size_t len)
{
    size_t i = 0;
    for (; method[i] && i < len - 1; i++)
        buf[i] = (char)tolower((unsigned char)method[i]);
    buf[i] = '\0';
    return buf;
}

/* What Quarry sends to subscribers (OpenAPI 3.1's top-level webhooks). */
static json_object *webhook_events(void)
{
    static const struct {
        const char *name, *description;
    } headers[] = {
        {"webhook-id", "The delivery's id: the same on every attempt (deduplicate on it)"},
        {"webhook-timestamp", "When this attempt was signed, in Unix seconds"},
        {"webhook-signature", "v1,<base64 HMAC-SHA256 of \"<webhook-id>.<webhook-timestamp>.<body>\" "
                              "keyed with the bytes of the subscription's whsec_ secret>"},
    };
    json_object *all = json_object_new_object();
    for (int e = 0; e < WEBHOOK_EVENT__MAX; e++) {
        const char *name = webhook_event_name((enum webhook_event)e);
        json_object *item = json_object_new_object(), *op = json_object_new_object(),
                    *params = json_object_new_array(), *rb = json_object_new_object(),
                    *content = json_object_new_object(), *responses = json_object_new_object(),
                    *ok = json_object_new_object();
        char id[64];
        snprintf(id, sizeof(id), "webhook_%s", name);
        for (char *p = id; *p; p++)
            if (*p == '.')
                *p = '_';
        add(op, "operationId", str(id));
        add(op, "summary", str(name));
        for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
            json_object *h = json_object_new_object();
            add(h, "name", str(headers[i].name));
            add(h, "in", str("header"));
            add(h, "required", json_object_new_boolean(1));
            add(h, "description", str(headers[i].description));
            add(h, "schema", typed("string"));
            json_object_array_add(params, h);
        }
        add(op, "parameters", params);
        add(content, "application/json", media(ref("schemas", "WebhookEvent"), NULL));
        add(rb, "required", json_object_new_boolean(1));
        add(rb, "content", content);
        add(op, "requestBody", rb);
        add(ok, "description", str("Delivered. Any other answer, or none within the time "
                                   "limit, is tried again with growing delays for 24 hours."));
        add(responses, "2XX", ok);
        add(op, "responses", responses);
        add(item, "post", op);
        add(all, name, item);
    }
    return all;
}

json_object *openapi_build(const struct route *routes, size_t nroutes)
{
    json_object *doc = json_object_new_object(), *info = json_object_new_object(),
                *servers = json_object_new_array(), *server = json_object_new_object(),
                *paths = json_object_new_object();
    add(doc, "openapi", str("3.1.0"));
    add(info, "title", str("Quarry API"));
    add(info, "version", str(PACKAGE_VERSION));
    add(info, "description", str(api_description));
    add(doc, "info", info);
    add(server, "url", str(API_BASE));
    json_object_array_add(servers, server);
    add(doc, "servers", servers);
    for (size_t i = 0; i < nroutes; i++) {
        const struct route *r = &routes[i];
        json_object *item;
        char method[16];
        if (r->access == ROUTE_INTERNAL || strncmp(r->pattern, API_BASE "/", strlen(API_BASE) + 1) != 0)
            continue;
        const char *path = doc_path(r->pattern);
        if (!json_object_object_get_ex(paths, path, &item)) {
            item = json_object_new_object();
            add(paths, path, item);
        }
        add(item, method_key(r->method, method, sizeof(method)), operation(r, route_doc_of(r->handler)));
    }
    add(doc, "paths", paths);
    add(doc, "webhooks", webhook_events());
    add(doc, "components", components(routes, nroutes));
    return doc;
}

const struct route_doc *route_doc_of(handler_fn handler)
{
    for (size_t i = 0; i < api_nroute_docs; i++)
        if (api_route_docs[i]->handler == handler)
            return api_route_docs[i];
    return NULL;
}

/* ------------------------------------------------------------ serving */

/* The document's text, built on the first request: the worker keeps it
 * (its threads share it; the first builds it under openapi_lock). */
static char *openapi_text;
static size_t openapi_len;
static pthread_mutex_t openapi_lock = PTHREAD_MUTEX_INITIALIZER;

void openapi_get(struct request *req)
{
    pthread_mutex_lock(&openapi_lock);
    if (openapi_text == NULL) {
        json_object *doc = openapi_build(api_routes, api_nroutes);
        size_t len;
        const char *text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        openapi_text = malloc(len + 1);
        if (openapi_text == NULL) {
            pthread_mutex_unlock(&openapi_lock);
            json_object_put(doc);
            respond_error(req, 500, "INTERNAL_ERROR", "Out of memory", NULL);
            return;
        }
        memcpy(openapi_text, text, len + 1);
        openapi_len = len;
        json_object_put(doc);
    }
    pthread_mutex_unlock(&openapi_lock);
    respond_header(req, "Cache-Control", "public, max-age=300");
    respond_text(req, 200, "application/json; charset=utf-8", openapi_text, openapi_len);
}

const struct route_doc openapi_get_doc = {
    .handler = openapi_get,
    .summary = "This OpenAPI 3.1 document",
    .description = "Generated from the route table and the fields each endpoint declares; "
                   "the documentation page at /docs reads it.",
    .status = 200,
    .answer = NULL,
};

/* ------------------------------------------------------------ tools */

static const char *access_name(enum route_access a)
{
    switch (a) {
    case ROUTE_PUBLIC: return "public";
    case ROUTE_USER: return "user";
    case ROUTE_ADMIN: return "admin";
    case ROUTE_INTERNAL: return "internal";
    default: return "other";
    }
}

int openapi_main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "routes") == 0) {
        for (size_t i = 0; i < api_nroutes; i++) {
            const struct route_doc *doc = route_doc_of(api_routes[i].handler);
            printf("%s %s %s %s\n", api_routes[i].method, api_routes[i].pattern,
                   access_name(api_routes[i].access), doc != NULL ? "documented" : "undocumented");
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "openapi") == 0) {
        json_object *doc = openapi_build(api_routes, api_nroutes);
        puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        return 0;
    }
    fprintf(stderr, "usage: quarry-api routes | quarry-api openapi\n");
    return 2;
}
