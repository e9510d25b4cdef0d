/* read_xml.c — the XML reader, streamed with libxml2's xmlTextReader.
 *
 * Records are the elements named `record_element` (anywhere, or anywhere
 * inside `root_element` when that is set). Without record_element, the
 * reader looks at the first children of the root (or of root_element) and
 * takes the first name that repeats (else the first child's name); then only
 * children at that depth are records. Each record element is expanded into
 * a small tree, flattened into fields, and freed when the reader moves on:
 * memory stays flat whatever the file size.
 *
 * Flattening (one record):
 *  - an attribute is a field named after it (flatten_attributes, default
 *    true; "@name" when false) and, under a child, parent_attr:
 *    <price currency="EUR">12</price> gives price=12, price_currency=EUR;
 *  - a child with only text is a field named after the child; a child
 *    with children is flattened to parent_child while it is no deeper than
 *    max_depth (and flatten_nested is true), else kept whole as JSON;
 *  - a child name that repeats under one parent is one field holding a
 *    JSON array of the children;
 *  - text of an element that also has child elements goes to a field named
 *    text_field_name (default "_text", the FastAPI ETL document's), parent__text
 *    under a child; it is added before the children, so a child element of
 *    that very name loses to it (the first field of a name wins): such files
 *    set another text_field_name ("#text" cannot collide, '#' cannot start
 *    an XML name);
 *  - in the JSON kept for deep or repeated elements, attributes are "@name"
 *    and text is text_field_name, the usual XML-to-JSON mapping.
 * Values are untyped text (REC_TEXT), like CSV; an empty element is null.
 *
 * Names: without namespace_aware, prefixes are stripped (local names);
 * with it, a namespaced name is "{uri}local", or "prefix:local" when the uri
 * is one of the `namespaces` ({prefix: uri}) given in the config.
 * root_element / record_element may be written "local" (any namespace),
 * "prefix:local" (prefix from `namespaces`) or "{uri}local".
 *
 * Security: no network (XML_PARSE_NONET), no DTD loading, no entity
 * substitution, an external entity loader that refuses everything, and a
 * document that declares entities is refused outright (billion laughs,
 * XXE). libxml2's own limits (text node size, depth) stay on. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "process/config_opt.h"
#include "process/grow.h"
#include "process/record.h"
#include "process/xml_error.h"

#define XML_DEFAULT_DEPTH 10
#define XML_MAX_DEPTH 100
#define XML_MAX_FIELDS 100000
#define XML_DETECT_CHILDREN 1000
#define XML_MAX_NAMESPACES 100
#define XML_MAX_NAME 1024
/* max_record_bytes: the default and the largest accepted. */
#define XML_DEFAULT_RECORD_BYTES (16u << 20)
#define XML_MAX_RECORD_BYTES (256u << 20)

/* An element name in the config: local name plus an optional namespace
 * uri (NULL = any namespace). */
struct xml_name {
    char *local;
    char *uri;
};

struct xml_options {
    struct xml_name root, record;   /* local NULL = not set */
    bool flatten_attributes;
    bool flatten_nested;
    int max_depth;
    bool namespace_aware;
    const char *text_field_name;
    json_object *namespaces;        /* borrowed; may be NULL */
    size_t max_record;              /* max_record_bytes */
};

struct xml_reader {
    struct rec_env *env;
    struct xml_options opt;
    const char *path;
    xmlTextReaderPtr reader;
    struct xml_error error;       /* the first parser error */
    xmlDocPtr orphan;             /* a failed reader's document, freed after the reader */
    bool skip_subtree;            /* the last record was expanded: move past it */
    bool root_seen, in_root;
    int root_depth;
    int record_depth;             /* -1: any depth */
    char root_name[XML_MAX_NAME];
    char container_name[XML_MAX_NAME]; /* root_element as found, when set */
    char record_name[XML_MAX_NAME];
    bool record_detected;
    struct rec_field *fields;
    size_t nfields, cap;
    char *name;
    size_t name_cap;
    struct rec_arena *arena;
    struct record scratch;        /* only its arena, for rec_alloc() */
    xmlNodePtr *kids;             /* child elements of the element being flattened */
    size_t kids_cap;
    bool root_found;
    json_object *namespaces_seen;
    long long records, rejected, attributes, kept_json;
};

/* ---- configuration ---- */

static void xml_name_free(struct xml_name *n)
{
    free(n->local);
    free(n->uri);
    n->local = n->uri = NULL;
}

/* Parses "local", "prefix:local" or "{uri}local". Returns 0, or -1 with msg. */
static int parse_name(const char *s, json_object *namespaces, struct xml_name *out, char *msg,
                      size_t msg_len)
{
    out->local = out->uri = NULL;
    size_t len = strlen(s);
    if (len == 0 || len >= XML_MAX_NAME) {
        snprintf(msg, msg_len, "must be an element name");
        return -1;
    }
    const char *local = s;
    if (s[0] == '{') {
        const char *close = strchr(s, '}');
        if (!close || close == s + 1 || close[1] == '\0') {
            snprintf(msg, msg_len, "must be \"{uri}name\"");
            return -1;
        }
        out->uri = strndup(s + 1, (size_t)(close - s - 1));
        local = close + 1;
    } else if (strchr(s, ':')) {
        const char *colon = strchr(s, ':');
        char prefix[XML_MAX_NAME];
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(colon - s), s);
        json_object *uri;
        if (!namespaces || !json_object_object_get_ex(namespaces, prefix, &uri) ||
            colon[1] == '\0') {
            snprintf(msg, msg_len, "the prefix \"%s\" is not in namespaces", prefix);
            return -1;
        }
        out->uri = strdup(json_object_get_string(uri));
        local = colon + 1;
    }
    out->local = strdup(local);
    if (!out->local || (s[0] == '{' && !out->uri)) {
        xml_name_free(out);
        snprintf(msg, msg_len, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads the XML keys of processing_config. On success the names in opt
 * are owned by opt (xml_options_free); strings are borrowed from config. */
static int xml_options_parse(json_object *config, struct xml_options *opt, char *field,
                             size_t field_len, char *msg, size_t msg_len)
{
    json_object *v;
    memset(opt, 0, sizeof(*opt));
    opt->flatten_attributes = true;
    opt->flatten_nested = true;
    opt->max_depth = XML_DEFAULT_DEPTH;
    opt->text_field_name = "_text";
    opt->max_record = XML_DEFAULT_RECORD_BYTES;
    int rc = opt_object(config, field, field_len, msg, msg_len);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (opt_bool(config, "flatten_attributes", &opt->flatten_attributes, field, field_len, msg,
                 msg_len) ||
        opt_bool(config, "flatten_nested", &opt->flatten_nested, field, field_len, msg,
                 msg_len) ||
        opt_bool(config, "namespace_aware", &opt->namespace_aware, field, field_len, msg,
                 msg_len) ||
        opt_nesting(config, XML_MAX_DEPTH, XML_MAX_RECORD_BYTES, &opt->max_depth,
                    &opt->max_record, field, field_len, msg, msg_len))
        return -1;
    if ((v = opt_value(config, "text_field_name"))) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
            json_object_get_string_len(v) > 256) {
            opt_error(field, field_len, "text_field_name", msg, msg_len,
                      "must be a non-empty string");
            return -1;
        }
        opt->text_field_name = json_object_get_string(v);
    }
    if ((v = opt_value(config, "namespaces"))) {
        if (!json_object_is_type(v, json_type_object)) {
            opt_error(field, field_len, "namespaces", msg, msg_len,
                      "must be an object of {prefix: uri}");
            return -1;
        }
        json_object_object_foreach(v, prefix, uri)
        {
            if (!json_object_is_type(uri, json_type_string) ||
                json_object_get_string_len(uri) == 0 || strlen(prefix) >= XML_MAX_NAME) {
                snprintf(field, field_len, "namespaces.%s", prefix);
                snprintf(msg, msg_len, "must be a namespace uri");
                return -1;
            }
        }
        opt->namespaces = v;
    }
    static const char *const name_keys[] = {"root_element", "record_element"};
    struct xml_name *names[] = {&opt->root, &opt->record};
    for (size_t i = 0; i < 2; i++) {
        if (!(v = opt_value(config, name_keys[i])))
            continue;
        if (!json_object_is_type(v, json_type_string) ||
            parse_name(json_object_get_string(v), opt->namespaces, names[i], msg, msg_len)) {
            if (!json_object_is_type(v, json_type_string))
                snprintf(msg, msg_len, "must be an element name");
            snprintf(field, field_len, "%s", name_keys[i]);
            xml_name_free(&opt->root);
            return -1;
        }
    }
    return 0;
}

static void xml_options_free(struct xml_options *opt)
{
    xml_name_free(&opt->root);
    xml_name_free(&opt->record);
}

static int xml_validate_config(json_object *config, char *field, size_t field_len, char *msg,
                               size_t msg_len)
{
    struct xml_options opt;
    if (xml_options_parse(config, &opt, field, field_len, msg, msg_len))
        return -1;
    xml_options_free(&opt);
    return 0;
}

/* ---- names ---- */

static bool name_matches(const struct xml_name *want, const xmlChar *local, const xmlChar *uri)
{
    if (!want->local || !local || strcmp(want->local, (const char *)local) != 0)
        return false;
    if (!want->uri)
        return true;
    return uri && strcmp(want->uri, (const char *)uri) == 0;
}

/* The name a field gets for (local, uri) per the namespace options. */
static int display_name(const struct xml_reader *r, const xmlChar *local, const xmlChar *uri,
                        char *out, size_t out_len)
{
    if (!r->opt.namespace_aware || !uri || !*uri)
        return snprintf(out, out_len, "%s", (const char *)local);
    if (r->opt.namespaces) {
        json_object_object_foreach(r->opt.namespaces, prefix, v)
        {
            if (strcmp(json_object_get_string(v), (const char *)uri) == 0)
                return snprintf(out, out_len, "%s:%s", prefix, (const char *)local);
        }
    }
    return snprintf(out, out_len, "{%s}%s", (const char *)uri, (const char *)local);
}

static void note_namespaces(struct xml_reader *r, const xmlNs *ns)
{
    for (; ns; ns = ns->next) {
        if (!ns->href)
            continue;
        const char *prefix = ns->prefix ? (const char *)ns->prefix : "";
        if (json_object_object_get_ex(r->namespaces_seen, prefix, NULL) ||
            json_object_object_length(r->namespaces_seen) >= XML_MAX_NAMESPACES)
            continue;
        json_object_object_add(r->namespaces_seen, prefix,
                               json_object_new_string((const char *)ns->href));
    }
}

/* ---- parser ---- */

/* Quarry never needs a file or url that a document points to. */
static xmlParserInputPtr refuse_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static bool dtd_has_entities(const xmlDtd *dtd)
{
    return dtd && ((dtd->entities && xmlHashSize(dtd->entities) > 0) ||
                   (dtd->pentities && xmlHashSize(dtd->pentities) > 0));
}

/* After a parse error: did the document declare entities? Asking the reader
 * for its document makes the document ours, so it is freed here (the reader
 * is not used again after an error). */
static bool failed_doc_declares_entities(xmlTextReaderPtr reader, xmlDocPtr *orphan)
{
    xmlDocPtr doc = xmlTextReaderCurrentDoc(reader);
    if (!doc)
        return false;
    bool found = dtd_has_entities(doc->intSubset) || dtd_has_entities(doc->extSubset);
    *orphan = doc;
    return found;
}

static int refuse_entities(struct xml_reader *r)
{
    return rec_fail(r->env, ENGINE_BAD_INPUT,
                    "the XML declares entities, which are refused (entity expansion and "
                    "external entities are a known attack: billion laughs, XXE)");
}

static int parse_failed(struct xml_reader *r, xmlTextReaderPtr reader)
{
    bool entities = failed_doc_declares_entities(reader, &r->orphan);
    if (entities || strstr(r->error.text, "ntity"))
        return refuse_entities(r);
    if (r->error.text[0])
        return rec_fail(r->env, ENGINE_BAD_INPUT, "invalid XML at line %d: %s", r->error.line,
                        r->error.text);
    return rec_fail(r->env, ENGINE_BAD_INPUT, "invalid XML");
}

static xmlTextReaderPtr open_reader(struct xml_reader *r)
{
    xmlTextReaderPtr reader =
        xmlReaderForFile(r->path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA |
                                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!reader) {
        rec_fail(r->env, ENGINE_IO_ERROR, "cannot open the input");
        return NULL;
    }
    xml_error_watch(reader, &r->error);
    return reader;
}

/* Checks a node the reader stopped at for what is refused. */
static int check_node(struct xml_reader *r, xmlTextReaderPtr reader)
{
    int type = xmlTextReaderNodeType(reader);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        /* not xmlTextReaderCurrentDoc(): that would keep every node */
        xmlNodePtr node = xmlTextReaderCurrentNode(reader);
        if (node && node->type == XML_DTD_NODE && dtd_has_entities((xmlDtdPtr)node))
            return refuse_entities(r);
    }
    if (type == XML_READER_TYPE_ENTITY_REFERENCE || type == XML_READER_TYPE_ENTITY)
        return refuse_entities(r);
    return ENGINE_OK;
}

/* ---- finding the record element ---- */

struct name_count {
    char name[XML_MAX_NAME];
    xmlChar *local, *uri;
    long count;
};

/* Reads the first children of the root (or of root_element) and picks the
 * first name that repeats, else the first child's. */
static int detect_record(struct xml_reader *r)
{
    xmlTextReaderPtr reader = open_reader(r);
    if (!reader)
        return rec_env_status(r->env);
    struct name_count seen[16];
    size_t nseen = 0;
    int parent_depth = -1, rc = ENGINE_OK, ret;
    long children = 0;
    bool advance_by_next = false;
    memset(seen, 0, sizeof(seen));
    for (;;) {
        ret = advance_by_next ? xmlTextReaderNext(reader) : xmlTextReaderRead(reader);
        advance_by_next = false;
        if (ret <= 0)
            break;
        if ((rc = check_node(r, reader)) != ENGINE_OK)
            goto out;
        int type = xmlTextReaderNodeType(reader);
        int depth = xmlTextReaderDepth(reader);
        if (type == XML_READER_TYPE_END_ELEMENT && depth == parent_depth)
            break;
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        const xmlChar *local = xmlTextReaderConstLocalName(reader);
        const xmlChar *uri = xmlTextReaderConstNamespaceUri(reader);
        if (parent_depth < 0) {
            if (!r->opt.root.local || name_matches(&r->opt.root, local, uri)) {
                parent_depth = depth;
                if (xmlTextReaderIsEmptyElement(reader))
                    break;
            }
            continue;
        }
        if (depth != parent_depth + 1)
            continue;
        char name[XML_MAX_NAME];
        display_name(r, local, uri, name, sizeof(name));
        size_t i = 0;
        while (i < nseen && strcmp(seen[i].name, name) != 0)
            i++;
        if (i == nseen && nseen < 16) {
            snprintf(seen[i].name, sizeof(seen[i].name), "%s", name);
            seen[i].local = xmlStrdup(local);
            seen[i].uri = uri ? xmlStrdup(uri) : NULL;
            nseen++;
        }
        if (i < nseen && ++seen[i].count >= 2)
            break;
        advance_by_next = true;   /* the child's own subtree does not matter */
        if (++children >= XML_DETECT_CHILDREN)
            break;
    }
    if (ret < 0) {
        rc = parse_failed(r, reader);
        goto out;
    }
    if (parent_depth < 0 && r->opt.root.local) {
        rc = rec_fail(r->env, ENGINE_BAD_INPUT, "root_element \"%s\" was not found",
                      r->opt.root.local);
        goto out;
    }
    size_t pick = 0;
    while (pick < nseen && seen[pick].count < 2)
        pick++;
    if (pick == nseen)
        pick = 0;
    if (nseen > 0) {
        r->opt.record.local = strdup((const char *)seen[pick].local);
        r->opt.record.uri = seen[pick].uri ? strdup((const char *)seen[pick].uri) : NULL;
        if (!r->opt.record.local || (seen[pick].uri && !r->opt.record.uri)) {
            rc = rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
            goto out;
        }
        r->record_depth = parent_depth + 1;
        r->record_detected = true;
    }
out:
    for (size_t i = 0; i < nseen; i++) {
        xmlFree(seen[i].local);
        xmlFree(seen[i].uri);
    }
    xmlFreeTextReader(reader);
    if (r->orphan)
        xmlFreeDoc(r->orphan);
    r->orphan = NULL;
    return rc;
}

/* ---- fields ---- */

static struct rec_field *field_push(struct xml_reader *r)
{
    if (r->nfields == r->cap && (r->cap >= XML_MAX_FIELDS ||
                                 !grow(&r->fields, &r->cap, r->cap + 1, sizeof(*r->fields), 64)))
        return NULL;
    return &r->fields[r->nfields++];
}

static int add_field(struct xml_reader *r, const char *name, size_t name_len, const char *val,
                     size_t len, enum rec_type type)
{
    const char *interned = rec_intern(r->env, name, name_len);
    if (!interned)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "too many distinct field names");
    /* Two children flattened to one name (a_b and a/b): the first wins.
     * Only checked on narrow records, where it costs little. */
    if (r->nfields < 64) {
        for (size_t i = 0; i < r->nfields; i++)
            if (r->fields[i].name == interned)
                return ENGINE_OK;
    }
    struct rec_field *f = field_push(r);
    if (!f)
        return rec_fail(r->env, ENGINE_BAD_INPUT, "record %lld has more than %d fields",
                        r->records + 1, XML_MAX_FIELDS);
    f->name = interned;
    f->val = val;
    f->len = len;
    f->type = type;
    return ENGINE_OK;
}

/* Text directly under el (text and CDATA children, concatenated). *blank
 * says whether it is only whitespace. */
static int node_text(struct xml_reader *r, xmlNodePtr el, const char **out, size_t *len,
                     bool *blank)
{
    size_t total = 0, pieces = 0;
    const char *only = "";
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type == XML_ENTITY_REF_NODE)
            return refuse_entities(r);
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            size_t n = strlen((const char *)c->content);
            if (n == 0)
                continue;
            only = (const char *)c->content;
            total += n;
            pieces++;
        }
    }
    if (pieces > 1) {
        char *buf = rec_alloc(&r->scratch, total + 1);
        if (!buf)
            return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        size_t at = 0;
        for (xmlNodePtr c = el->children; c; c = c->next) {
            if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
                size_t n = strlen((const char *)c->content);
                memcpy(buf + at, c->content, n);
                at += n;
            }
        }
        only = buf;
    }
    *out = only;
    *len = total;
    *blank = true;
    for (size_t i = 0; i < total && *blank; i++)
        *blank = only[i] == ' ' || only[i] == '\t' || only[i] == '\n' || only[i] == '\r';
    return ENGINE_OK;
}

static const char *attr_value(xmlAttrPtr a)
{
    if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next &&
        a->children->content)
        return (const char *)a->children->content;
    return NULL;
}

/* ---- element -> JSON (for what is kept whole) ---- */

static json_object *element_json(struct xml_reader *r, xmlNodePtr el, int *rc);

static int add_children_json(struct xml_reader *r, xmlNodePtr el, json_object *obj)
{
    int rc = ENGINE_OK;
    char name[XML_MAX_NAME];
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        display_name(r, c->name, c->ns ? c->ns->href : NULL, name, sizeof(name));
        json_object *v = element_json(r, c, &rc);
        if (rc != ENGINE_OK)
            return rc;
        json_object *prev;
        if (json_object_object_get_ex(obj, name, &prev)) {
            /* element_json makes no arrays: an array here is a repeated name */
            if (!json_object_is_type(prev, json_type_array)) {
                json_object *arr = json_object_new_array();
                json_object_array_add(arr, json_object_get(prev));
                json_object_object_add(obj, name, arr);
                prev = arr;
            }
            json_object_array_add(prev, v);
        } else {
            json_object_object_add(obj, name, v);
        }
    }
    return rc;
}

static json_object *element_json(struct xml_reader *r, xmlNodePtr el, int *rc)
{
    const char *text;
    size_t len;
    bool blank;
    bool has_children = false;
    if ((*rc = node_text(r, el, &text, &len, &blank)) != ENGINE_OK)
        return NULL;
    for (xmlNodePtr c = el->children; c && !has_children; c = c->next)
        has_children = c->type == XML_ELEMENT_NODE;
    if (!el->properties && !has_children)
        return len ? json_object_new_string_len(text, (int)len) : NULL;
    json_object *obj = json_object_new_object();
    char name[XML_MAX_NAME + 1];
    for (xmlAttrPtr a = el->properties; a; a = a->next) {
        name[0] = '@';
        display_name(r, a->name, a->ns ? a->ns->href : NULL, name + 1, sizeof(name) - 1);
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        json_object_object_add(obj, name, json_object_new_string(v ? (const char *)v : ""));
        xmlFree(v);
    }
    if (len && !blank)
        json_object_object_add(obj, r->opt.text_field_name, json_object_new_string_len(text, (int)len));
    if ((*rc = add_children_json(r, el, obj)) != ENGINE_OK) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

/* Adds a field holding json (consumed), serialized into the scratch arena. */
static int add_json_field(struct xml_reader *r, const char *name, size_t name_len, json_object *v)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *copy = s ? rec_alloc(&r->scratch, len + 1) : NULL;
    if (copy)
        memcpy(copy, s, len + 1);
    json_object_put(v);
    if (!copy)
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    r->kept_json++;
    return add_field(r, name, name_len, copy, len, REC_JSON);
}

/* ---- element -> fields ---- */

static int name_reserve(struct xml_reader *r, size_t need)
{
    if (!grow(&r->name, &r->name_cap, need, 1, 256))
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    return ENGINE_OK;
}

/* Appends "_" (unless at 0) and part to r->name[0..at); returns the new length. */
static size_t name_append(struct xml_reader *r, size_t at, const char *part, int *rc)
{
    size_t n = strlen(part);
    if ((*rc = name_reserve(r, at + n + 2)) != ENGINE_OK)
        return at;
    if (at > 0)
        r->name[at++] = '_';
    memcpy(r->name + at, part, n);
    return at + n;
}

static int flatten_element(struct xml_reader *r, xmlNodePtr el, size_t prefix, int depth,
                           bool is_record);

static int cmp_name_ptr(const void *a, const void *b)
{
    const xmlNode *x = *(xmlNodePtr const *)a, *y = *(xmlNodePtr const *)b;
    int c = strcmp((const char *)x->name, (const char *)y->name);
    if (c)
        return c;
    const char *ux = x->ns && x->ns->href ? (const char *)x->ns->href : "";
    const char *uy = y->ns && y->ns->href ? (const char *)y->ns->href : "";
    return strcmp(ux, uy);
}

static bool same_name(xmlNodePtr a, xmlNodePtr b)
{
    return cmp_name_ptr(&a, &b) == 0;
}

/* Children of el: single ones are flattened under prefix, repeated names
 * become one JSON array field. */
static int flatten_children(struct xml_reader *r, xmlNodePtr el, size_t prefix, int depth)
{
    size_t base = 0, n = 0;
    /* r->kids is a stack shared by the levels of the recursion. */
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        n++;
    }
    if (n == 0)
        return ENGINE_OK;
    for (; base < r->kids_cap && r->kids[base]; base++)
        ;
    if (!grow(&r->kids, &r->kids_cap, base + n + 1, sizeof(*r->kids), 64))
        return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
    xmlNodePtr *sorted = r->kids + base;
    size_t i = 0;
    for (xmlNodePtr c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            sorted[i++] = c;
    qsort(sorted, n, sizeof(*sorted), cmp_name_ptr);
    int rc = ENGINE_OK;
    char part[XML_MAX_NAME];
    for (xmlNodePtr c = el->children; c && rc == ENGINE_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        sorted = r->kids + base;   /* a nested call may have moved the stack */
        xmlNodePtr *hit = bsearch(&c, sorted, n, sizeof(*sorted), cmp_name_ptr);
        while (hit > sorted && same_name(hit[-1], c))
            hit--;
        bool repeated = hit + 1 < sorted + n && same_name(hit[1], c);
        display_name(r, c->name, c->ns ? c->ns->href : NULL, part, sizeof(part));
        size_t len = name_append(r, prefix, part, &rc);
        if (rc != ENGINE_OK)
            break;
        if (!repeated) {
            rc = flatten_element(r, c, len, depth, false);
            continue;
        }
        if (*hit != c)
            continue;   /* the array was written at the first occurrence */
        json_object *arr = json_object_new_array();
        for (xmlNodePtr *h = hit; h < sorted + n && same_name(*h, c) && rc == ENGINE_OK; h++) {
            json_object *v = element_json(r, *h, &rc);
            json_object_array_add(arr, v);
        }
        if (rc == ENGINE_OK)
            rc = add_json_field(r, r->name, len, arr);
        else
            json_object_put(arr);
    }
    memset(r->kids + base, 0, n * sizeof(*r->kids));
    return rc;
}

/* Flattens el into fields named r->name[0..prefix)_... (the record itself
 * has prefix 0). depth counts the elements already flattened above el's
 * children. */
static int flatten_element(struct xml_reader *r, xmlNodePtr el, size_t prefix, int depth,
                           bool is_record)
{
    const char *text;
    size_t len;
    bool blank, has_children = false;
    int rc = node_text(r, el, &text, &len, &blank);
    if (rc != ENGINE_OK)
        return rc;
    for (xmlNodePtr c = el->children; c && !has_children; c = c->next)
        has_children = c->type == XML_ELEMENT_NODE;
    bool attrs = el->properties != NULL;
    if (!is_record && !has_children && !attrs)
        return add_field(r, r->name, prefix, text, len, len ? REC_TEXT : REC_NULL);
    if (!is_record && ((has_children && (!r->opt.flatten_nested || depth >= r->opt.max_depth)) ||
                       (!has_children && !r->opt.flatten_attributes))) {
        json_object *v = element_json(r, el, &rc);
        if (rc != ENGINE_OK)
            return rc;
        return add_json_field(r, r->name, prefix, v);
    }
    char part[XML_MAX_NAME + 1];
    for (xmlAttrPtr a = el->properties; a; a = a->next) {
        if (r->opt.flatten_attributes) {
            display_name(r, a->name, a->ns ? a->ns->href : NULL, part, sizeof(part));
        } else {
            part[0] = '@';
            display_name(r, a->name, a->ns ? a->ns->href : NULL, part + 1, sizeof(part) - 1);
        }
        size_t n = name_append(r, prefix, part, &rc);
        if (rc != ENGINE_OK)
            return rc;
        const char *v = attr_value(a);
        if (!v) {   /* several text pieces: join them */
            xmlChar *joined = xmlNodeListGetString(el->doc, a->children, 1);
            size_t jl = joined ? strlen((const char *)joined) : 0;
            char *copy = rec_alloc(&r->scratch, jl + 1);
            if (copy && jl)
                memcpy(copy, joined, jl);
            if (copy)
                copy[jl] = '\0';
            xmlFree(joined);
            if (!copy)
                return rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
            v = copy;
        }
        size_t vl = strlen(v);
        r->attributes++;
        if ((rc = add_field(r, r->name, n, v, vl, vl ? REC_TEXT : REC_NULL)) != ENGINE_OK)
            return rc;
    }
    if (!has_children) {
        /* <price currency="EUR">12</price>: the text keeps the element's name */
        if (!is_record)
            return add_field(r, r->name, prefix, text, len, len ? REC_TEXT : REC_NULL);
        if (len && !blank) {
            size_t n = name_append(r, prefix, r->opt.text_field_name, &rc);
            return rc != ENGINE_OK ? rc : add_field(r, r->name, n, text, len, REC_TEXT);
        }
        return ENGINE_OK;
    }
    if (len && !blank) {
        size_t n = name_append(r, prefix, r->opt.text_field_name, &rc);
        if (rc != ENGINE_OK || (rc = add_field(r, r->name, n, text, len, REC_TEXT)) != ENGINE_OK)
            return rc;
    }
    return flatten_children(r, el, prefix, is_record ? depth : depth + 1);
}

/* ---- reader_ops ---- */

static void xml_close(void *state)
{
    struct xml_reader *r = state;
    if (!r)
        return;
    if (r->reader)
        xmlFreeTextReader(r->reader);
    if (r->orphan)
        xmlFreeDoc(r->orphan);
    xml_options_free(&r->opt);
    free(r->fields);
    free(r->name);
    free(r->kids);
    rec_arena_free(r->arena);
    json_object_put(r->namespaces_seen);
    free(r);
}

static int xml_open(void **state, const struct reader_args *args)
{
    char field[64], msg[256];
    struct xml_reader *r = calloc(1, sizeof(*r));
    int rc = ENGINE_NO_MEMORY;
    if (!r)
        return rec_fail(args->env, ENGINE_NO_MEMORY, "out of memory");
    r->env = args->env;
    r->path = args->path;
    r->record_depth = -1;
    if (xml_options_parse(args->config, &r->opt, field, sizeof(field), msg, sizeof(msg))) {
        free(r);
        return rec_fail(args->env, ENGINE_BAD_CONFIG, "processing_config.%s: %s", field, msg);
    }
    xml_error_quiet();
    xmlSetExternalEntityLoader(refuse_external);
    r->cap = 64;
    r->fields = malloc(r->cap * sizeof(*r->fields));
    r->name_cap = 256;
    r->name = malloc(r->name_cap);
    r->arena = rec_arena_new();
    r->namespaces_seen = json_object_new_object();
    if (!r->fields || !r->name || !r->arena || !r->namespaces_seen) {
        rc = rec_fail(r->env, ENGINE_NO_MEMORY, "out of memory");
        goto out;
    }
    r->scratch.arena = r->arena;
    struct stat st;
    if (stat(r->path, &st) != 0) {
        rc = rec_fail(r->env, ENGINE_IO_ERROR, "cannot open the input");
        goto out;
    }
    if (st.st_size == 0) {
        rc = rec_fail(r->env, ENGINE_BAD_INPUT, "the file is empty");
        goto out;
    }
    rec_set_bytes(r->env, 0, (long long)st.st_size);
    if (!r->opt.record.local && (rc = detect_record(r)) != ENGINE_OK)
        goto out;
    if (r->opt.record.local) {
        display_name(r, BAD_CAST r->opt.record.local, BAD_CAST r->opt.record.uri,
                     r->record_name, sizeof(r->record_name));
    }
    r->reader = open_reader(r);
    rc = r->reader ? ENGINE_OK : rec_env_status(r->env);
out:
    if (rc != ENGINE_OK) {
        xml_close(r);
        return rc;
    }
    *state = r;
    return ENGINE_OK;
}

/* Whether the element the reader is at is a record. */
static bool at_record(struct xml_reader *r, int depth)
{
    if (!r->opt.record.local)
        return false;
    if (r->opt.root.local && !r->in_root)
        return false;
    if (r->record_depth >= 0 && depth != r->record_depth)
        return false;
    return name_matches(&r->opt.record, xmlTextReaderConstLocalName(r->reader),
                        xmlTextReaderConstNamespaceUri(r->reader));
}

static void track_root(struct xml_reader *r, int type, int depth)
{
    xmlTextReaderPtr reader = r->reader;
    if (type == XML_READER_TYPE_END_ELEMENT) {
        if (r->in_root && depth == r->root_depth)
            r->in_root = false;
        return;
    }
    if (!r->root_seen) {
        r->root_seen = true;
        display_name(r, xmlTextReaderConstLocalName(reader),
                     xmlTextReaderConstNamespaceUri(reader), r->root_name, sizeof(r->root_name));
        xmlNodePtr node = xmlTextReaderCurrentNode(reader);
        if (node)
            note_namespaces(r, node->nsDef);
    }
    if (r->opt.root.local && !r->in_root &&
        name_matches(&r->opt.root, xmlTextReaderConstLocalName(reader),
                     xmlTextReaderConstNamespaceUri(reader))) {
        if (!r->root_found) {
            display_name(r, xmlTextReaderConstLocalName(reader),
                         xmlTextReaderConstNamespaceUri(reader), r->container_name,
                         sizeof(r->container_name));
            xmlNodePtr node = xmlTextReaderCurrentNode(reader);
            if (node)
                note_namespaces(r, node->nsDef);
        }
        r->root_found = true;
        r->in_root = !xmlTextReaderIsEmptyElement(reader);
        r->root_depth = depth;
    }
}

static void note_tree_namespaces(struct xml_reader *r, xmlNodePtr el)
{
    for (xmlNodePtr c = el; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        note_namespaces(r, c->nsDef);
        if (c->children)
            note_tree_namespaces(r, c->children);
    }
}

static size_t node_bytes(xmlNodePtr n, size_t limit);

/* The bytes of names, attribute values and text in n and its siblings after
 * it (and their children), counted until they pass limit. */
static size_t list_bytes(xmlNodePtr n, size_t limit)
{
    size_t total = 0;
    for (; n != NULL && total <= limit; n = n->next)
        total += node_bytes(n, limit - total);
    return total;
}

/* The same for n alone: its name, its text, its attributes, its children. */
static size_t node_bytes(xmlNodePtr n, size_t limit)
{
    size_t total = 0;
    if ((n->type == XML_ELEMENT_NODE || n->type == XML_ATTRIBUTE_NODE) && n->name != NULL)
        total += strlen((const char *)n->name);
    if (n->content != NULL)
        total += strlen((const char *)n->content);
    if (total <= limit && n->type == XML_ELEMENT_NODE && n->properties != NULL)
        total += list_bytes((xmlNodePtr)n->properties, limit - total);
    if (total <= limit && (n->type == XML_ELEMENT_NODE || n->type == XML_ATTRIBUTE_NODE))
        total += list_bytes(n->children, limit - total);
    return total;
}

static int xml_next(void *state, struct record *rec)
{
    struct xml_reader *r = state;
    rec_arena_reset(r->arena);
    r->nfields = 0;
    for (;;) {
        int ret = r->skip_subtree ? xmlTextReaderNext(r->reader) : xmlTextReaderRead(r->reader);
        r->skip_subtree = false;
        if (ret == 0) {
            if (r->opt.root.local && !r->root_found) {
                rec_fail(r->env, ENGINE_BAD_INPUT, "root_element \"%s\" was not found",
                         r->opt.root.local);
                return READ_ERROR;
            }
            return READ_EOF;
        }
        if (ret < 0) {
            parse_failed(r, r->reader);
            return READ_ERROR;
        }
        if (check_node(r, r->reader) != ENGINE_OK)
            return READ_ERROR;
        int type = xmlTextReaderNodeType(r->reader);
        if (type != XML_READER_TYPE_ELEMENT && type != XML_READER_TYPE_END_ELEMENT)
            continue;
        int depth = xmlTextReaderDepth(r->reader);
        track_root(r, type, depth);
        if (type != XML_READER_TYPE_ELEMENT || !at_record(r, depth))
            continue;
        xmlNodePtr el = xmlTextReaderExpand(r->reader);
        if (!el) {
            parse_failed(r, r->reader);
            return READ_ERROR;
        }
        r->skip_subtree = true;
        /* One record's names, attributes and text stay under max_record_bytes:
         * a larger one is a row error, and the next record is read. */
        if (node_bytes(el, r->opt.max_record) > r->opt.max_record) {
            r->records++;
            r->rejected++;
            rec_report(r->env, r->records, NULL, "error", "RECORD_TOO_LARGE",
                       "record %lld is larger than %zu bytes (processing_config.max_record_bytes)",
                       r->records, r->opt.max_record);
            return READ_REJECTED;
        }
        note_namespaces(r, el->nsDef);
        if (el->children)
            note_tree_namespaces(r, el->children);
        rec->line = ++r->records;
        if (flatten_element(r, el, 0, 0, true) != ENGINE_OK)
            return READ_ERROR;
        rec->fields = r->fields;
        rec->nfields = r->nfields;
        return READ_RECORD;
    }
}

static int xml_metadata(void *state, json_object *meta)
{
    struct xml_reader *r = state;
    json_object_object_add(meta, "records_found", json_object_new_int64(r->records));
    json_object_object_add(meta, "records_too_large", json_object_new_int64(r->rejected));
    /* The element the records were read in (the FastAPI ETL document's
     * "root element containing records"), and the document's own root. */
    json_object_object_add(meta, "root_element",
                           json_object_new_string(r->container_name[0] ? r->container_name
                                                                       : r->root_name));
    json_object_object_add(meta, "document_element", json_object_new_string(r->root_name));
    json_object_object_add(meta, "record_element", r->record_name[0]
                                                       ? json_object_new_string(r->record_name)
                                                       : NULL);
    json_object_object_add(meta, "record_element_detected",
                           json_object_new_boolean(r->record_detected));
    /* The FastAPI ETL document's names: the prefixes seen ("" for a default
     * namespace) and whether attributes became fields; the URIs and the
     * count beside them. */
    json_object *prefixes = json_object_new_array();
    json_object_object_foreach(r->namespaces_seen, prefix, uri) {
        (void)uri;
        json_object_array_add(prefixes, json_object_new_string(prefix));
    }
    json_object_object_add(meta, "namespaces_detected", prefixes);
    json_object_object_add(meta, "namespace_uris", json_object_get(r->namespaces_seen));
    long long flattened = r->opt.flatten_attributes ? r->attributes : 0;
    json_object_object_add(meta, "attributes_flattened", json_object_new_boolean(flattened > 0));
    json_object_object_add(meta, "attributes_count", json_object_new_int64(flattened));
    json_object_object_add(meta, "values_kept_as_json", json_object_new_int64(r->kept_json));
    json_object_object_add(meta, "text_field_name",
                           json_object_new_string(r->opt.text_field_name));
    return ENGINE_OK;
}

static int xml_sniff(const unsigned char *head, size_t len, const char *name_hint)
{
    const char *dot = name_hint ? strrchr(name_hint, '.') : NULL;
    int bonus = dot && strcasecmp(dot, ".xml") == 0 ? 5 : 0;
    size_t i = 0;
    if (len >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        return len >= 4 && (head[2] == '<' || head[3] == '<') ? 80 + bonus : 0;
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= len || head[i] != '<')
        return 0;
    if (len - i >= 5 && memcmp(head + i, "<?xml", 5) == 0)
        return 90 + bonus;
    unsigned char c = i + 1 < len ? head[i + 1] : 0;
    if (c == '!' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return 70 + bonus;
    return 0;
}

const struct reader_ops reader_xml_ops = {
    .sniff = xml_sniff,
    .utf16 = true,
    .validate_config = xml_validate_config,
    .open = xml_open,
    .next = xml_next,
    .columns = NULL,
    .metadata = xml_metadata,
    .close = xml_close,
};
