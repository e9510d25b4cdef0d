/* xml_error.c — libxml2 errors for the XML and .xlsx readers (see
 * xml_error.h). */
#include <stdio.h>
#include <string.h>

#include "process/xml_error.h"

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void xml_error_quiet(void)
{
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, quiet);
}

static void keep_first(void *arg, xmlErrorPtr err)
{
    struct xml_error *e = arg;
    if (e->text[0] || !err || err->level < XML_ERR_ERROR)
        return;
    snprintf(e->text, sizeof(e->text), "%s", err->message ? err->message : "parse error");
    size_t n = strlen(e->text);
    while (n > 0 && (e->text[n - 1] == '\n' || e->text[n - 1] == ' '))
        e->text[--n] = '\0';
    e->line = err->line;
}

void xml_error_watch(xmlTextReaderPtr reader, struct xml_error *e)
{
    e->text[0] = '\0';
    e->line = 0;
    xmlTextReaderSetStructuredErrorHandler(reader, keep_first, e);
}
