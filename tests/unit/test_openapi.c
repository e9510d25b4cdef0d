/* The OpenAPI document against the route table it is made from: every route
 * has a doc (so a new endpoint cannot be left out), a route that reads a
 * query declares it, each example passes the fields it documents, and the
 * document holds every route once with a unique operationId. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "api/openapi.h"
#include "api/route_doc.h"
#include "api/routes.h"

static bool reads_query(handler_fn h)
{
    for (size_t i = 0; i < api_nquery_handlers; i++)
        if (api_query_handlers[i] == h)
            return true;
    return false;
}

START_TEST(every_route_has_a_doc)
{
    for (size_t i = 0; i < api_nroutes; i++) {
        const struct route *r = &api_routes[i];
        if (r->access == ROUTE_INTERNAL)
            continue;
        const struct route_doc *doc = route_doc_of(r->handler);
        ck_assert_msg(doc != NULL,
                      "%s %s has no doc: declare one beside its handler (api/route_doc.h) "
                      "and list it in api_route_docs (routes.c)",
                      r->method, r->pattern);
        ck_assert_msg(doc->summary != NULL && doc->summary[0] != '\0', "%s %s: no summary",
                      r->method, r->pattern);
        ck_assert_msg(doc->status >= 200 && doc->status < 400, "%s %s: no success status",
                      r->method, r->pattern);
    }
}
END_TEST

START_TEST(query_keys_are_declared)
{
    for (size_t i = 0; i < api_nroutes; i++) {
        const struct route *r = &api_routes[i];
        const struct route_doc *doc = route_doc_of(r->handler);
        if (r->access == ROUTE_INTERNAL || doc == NULL)
            continue;
        bool declares = doc->nquery > 0 || doc->paged;
        ck_assert_msg(declares == reads_query(r->handler),
                      "%s %s: its doc %s a query but api_query_handlers %s it", r->method,
                      r->pattern, declares ? "declares" : "declares no", declares ? "lacks" : "has");
    }
}
END_TEST

START_TEST(examples_pass_their_fields)
{
    for (size_t i = 0; i < api_nroute_docs; i++) {
        const struct route_doc *doc = api_route_docs[i];
        if (doc->example == NULL || doc->body != DOC_BODY_JSON)
            continue;
        json_object *ex = json_tokener_parse(doc->example);
        ck_assert_msg(ex != NULL && json_object_is_type(ex, json_type_object),
                      "%s: the example is not a JSON object", doc->summary);
        for (size_t t = 0; t < DOC_TABLES_MAX; t++) {
            const struct doc_fields *f = &doc->fields[t];
            json_object *values[32], *at = ex;
            const char *field;
            char msg[256];
            if (f->specs == NULL || f->n > 32)
                continue;
            if (f->at != NULL && (strchr(f->at, '[') != NULL ||
                                  !json_object_object_get_ex(ex, f->at, &at)))
                continue; /* items of arrays, and nested objects the example leaves out */
            ck_assert_msg(validate_fields(at, f->specs, f->n, values, &field, msg, sizeof(msg)) == 0,
                          "%s: the example fails its own fields: %s", doc->summary, msg);
        }
        json_object_put(ex);
    }
}
END_TEST

START_TEST(document_holds_every_route_once)
{
    json_object *doc = openapi_build(api_routes, api_nroutes), *paths, *ids = json_object_new_object();
    ck_assert(json_object_object_get_ex(doc, "paths", &paths));
    for (size_t i = 0; i < api_nroutes; i++) {
        const struct route *r = &api_routes[i];
        json_object *item, *op, *id, *responses;
        char method[16];
        if (r->access == ROUTE_INTERNAL)
            continue;
        const char *path = r->pattern + strlen("/api/v1");
        ck_assert_msg(json_object_object_get_ex(paths, path, &item), "%s missing", path);
        size_t k = 0;
        for (; r->method[k] && k < sizeof(method) - 1; k++)
            method[k] = (char)(r->method[k] | 0x20);
        method[k] = '\0';
        ck_assert_msg(json_object_object_get_ex(item, method, &op), "%s %s missing", method, path);
        ck_assert(json_object_object_get_ex(op, "operationId", &id));
        ck_assert_msg(!json_object_object_get_ex(ids, json_object_get_string(id), NULL),
                      "operationId %s twice", json_object_get_string(id));
        json_object_object_add(ids, json_object_get_string(id), NULL);
        ck_assert(json_object_object_get_ex(op, "responses", &responses));
        const struct route_doc *d = route_doc_of(r->handler);
        ck_assert_msg(d != NULL, "%s %s has no doc", method, path);
        char status[8];
        snprintf(status, sizeof(status), "%d", d->status);
        ck_assert_msg(json_object_object_get_ex(responses, status, NULL), "%s %s: no %s answer",
                      method, path, status);
    }
    json_object_put(ids);
    json_object_put(doc);
}
END_TEST

START_TEST(nested_tables_fill_their_property)
{
    json_object *doc = openapi_build(api_routes, api_nroutes), *v;
    const char *text = json_object_to_json_string(doc);
    /* The progress post's counts and errors[] come from their own tables. */
    ck_assert_ptr_nonnull(strstr(text, "\"counts\": { \"type\": \"object\", \"properties\": { \"done\""));
    ck_assert(json_object_object_get_ex(doc, "components", &v));
    ck_assert(json_object_object_get_ex(v, "securitySchemes", &v));
    ck_assert(json_object_object_get_ex(v, "bearer", NULL));
    ck_assert(json_object_object_get_ex(v, "externalIssuer", NULL));
    json_object_put(doc);
}
END_TEST

Suite *openapi_suite(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("routes");
    tcase_add_test(tc, every_route_has_a_doc);
    tcase_add_test(tc, query_keys_are_declared);
    tcase_add_test(tc, examples_pass_their_fields);
    tcase_add_test(tc, document_holds_every_route_once);
    tcase_add_test(tc, nested_tables_fill_their_property);
    suite_add_tcase(s, tc);
    return s;
}
