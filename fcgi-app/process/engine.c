/* engine.c — the small public functions of engine.h: config and
 * output_format validation, output names, status names. engine_run is in
 * pipeline.c, engine_validate_steps in steps.c, the formats in formats.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "process/engine.h"
#include "process/formats.h"
#include "process/record.h"

/* Keys of processing_config that are not a reader's own. */
static int check_common(json_object *config, char *field, size_t field_len, char *msg,
                        size_t msg_len)
{
    json_object *v;
    if (json_object_object_get_ex(config, "format", &v) && !json_object_is_type(v, json_type_null)) {
        const struct format *f =
            json_object_is_type(v, json_type_string) ? formats_lookup(json_object_get_string(v)) : NULL;
        char names[128];
        if (!f || !f->reader) {
            snprintf(field, field_len, "processing_config.format");
            snprintf(msg, msg_len, "must be one of: %s",
                     formats_reader_names(names, sizeof(names)));
            return -1;
        }
    }
    return 0;
}

int engine_validate_output_format(const char *name, char *msg, size_t msg_len)
{
    const struct format *f = formats_by_name(name);
    if (f && f->writer)
        return 0;
    char names[128];
    snprintf(msg, msg_len, "output_format must be one of: %s",
             formats_writer_names(names, sizeof(names)));
    return -1;
}

int engine_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                           size_t msg_len)
{
    if (!config || json_object_is_type(config, json_type_null))
        return 0;
    if (!json_object_is_type(config, json_type_object)) {
        snprintf(field, field_len, "processing_config");
        snprintf(msg, msg_len, "must be an object");
        return -1;
    }
    if (check_common(config, field, field_len, msg, msg_len))
        return -1;
    char sub[128] = "";
    if (formats_validate_config(config, sub, sizeof(sub), msg, msg_len)) {
        snprintf(field, field_len, "processing_config%s%s", sub[0] ? "." : "", sub);
        return -1;
    }
    return 0;
}

/* Copies at most max bytes of s, never cutting a UTF-8 sequence, turning
 * what is unsafe in a file name or a header (controls, slashes, quotes)
 * into '_'. */
static size_t copy_safe(char *out, const char *s, size_t n, size_t max)
{
    size_t o = 0;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool bad = c < 0x20 || c == 0x7F || c == '/' || c == '\\' || c == '"' || c == ':' ||
                   c == '*' || c == '?' || c == '<' || c == '>' || c == '|';
        out[o++] = bad ? '_' : (char)c;
    }
    out[o] = '\0';
    return o;
}

void engine_output_name(const char *input_name, const char *output_format, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    const char *name = input_name ? input_name : "";
    const char *slash = strrchr(name, '/'), *bslash = strrchr(name, '\\');
    if (slash || bslash)
        name = (slash > bslash ? slash : bslash) + 1;
    const char *dot = strrchr(name, '.');
    size_t stem_len = dot && dot != name ? (size_t)(dot - name) : strlen(name);

    const struct format *format = formats_lookup(output_format);
    if (!format && dot)
        format = formats_lookup(dot + 1);
    const char *ext = format && format->writer ? format->writer->extension : "csv";

    char stem[256];
    size_t n = copy_safe(stem, name, stem_len, 200);
    /* no "..", no leading dot (hidden file), never empty */
    for (size_t i = 0; i + 1 < n; i++)
        if (stem[i] == '.' && stem[i + 1] == '.')
            stem[i] = '_';
    if (n > 0 && stem[0] == '.')
        stem[0] = '_';
    while (n > 0 && (stem[n - 1] == ' ' || stem[n - 1] == '.'))
        stem[--n] = '\0';
    snprintf(buf, len, "%s_processed.%s", n ? stem : "output", ext);
}

void engine_output_key_name(const char *output_name, char *buf, size_t len)
{
    size_t o = 0;
    if (!buf || len == 0)
        return;
    for (const char *p = output_name ? output_name : ""; *p && o + 1 < len; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) == 0x80)
            continue; /* a UTF-8 continuation byte: its character is one '_' */
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
        buf[o++] = keep ? (char)c : '_';
    }
    buf[o] = '\0';
    if (o == 0 || buf[0] == '.')
        snprintf(buf, len, "output");
}

void engine_output_display_name(const char *input_name, const char *key_name, char *buf,
                                size_t len)
{
    char made[256], key[256];
    const char *ext = strrchr(key_name, '.');
    if (!buf || len == 0)
        return;
    snprintf(buf, len, "%s", key_name);
    if (ext == NULL || input_name == NULL)
        return;
    /* The name as made for the input, with the extension the output got
     * (a conversion may have changed it). */
    engine_output_name(input_name, "csv", made, sizeof(made));
    char *made_ext = strrchr(made, '.');
    if (made_ext == NULL || (size_t)(made_ext - made) + strlen(ext) >= sizeof(made))
        return;
    strcpy(made_ext, ext);
    engine_output_key_name(made, key, sizeof(key));
    if (strcmp(key, key_name) == 0)
        snprintf(buf, len, "%s", made);
}

const char *engine_status_name(int status)
{
    switch (status) {
    case ENGINE_OK:
        return "ok";
    case ENGINE_BAD_INPUT:
        return "bad input";
    case ENGINE_BAD_CONFIG:
        return "bad config";
    case ENGINE_IO_ERROR:
        return "i/o error";
    case ENGINE_CANCELLED:
        return "cancelled";
    case ENGINE_NO_MEMORY:
        return "out of memory";
    default:
        return "unknown";
    }
}
