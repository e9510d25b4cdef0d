#ifndef QUARRY_API_OPENAPI_SCHEMAS_H
#define QUARRY_API_OPENAPI_SCHEMAS_H
/* The answers' schemas of the OpenAPI document (openapi_schemas.c). */
#include <stddef.h>

struct doc_schema {
    const char *name;
    const char *description;
    const char *properties; /* "name type, name? type?, …" (see openapi_schemas.c) */
};

extern const struct doc_schema doc_schemas[];
extern const size_t doc_nschemas;

#endif
