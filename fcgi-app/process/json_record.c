/* json_record.c — one record as a JSON object (see json_record.h).
 * No json-c here: this is the hot path of CSV -> JSON conversion. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/json_record.h"
#include "process/text.h"

struct json_key {
    const char *name;   /* interned column name: compared by pointer */
    char *text;         /* ,"name": then zeros up to a multiple of 16 bytes */
    size_t len;         /* of ,"name": */
};

struct json_keys {
    struct json_key *slots;
    size_t mask, count;
    /* The keys of the last record by position: records of one file nearly
     * always repeat the same columns in the same order. */
    struct json_key *recent;   /* copies: the text does not move when slots do */
    size_t recent_cap;
};

struct json_keys *json_keys_new(void)
{
    struct json_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->slots = calloc(64, sizeof(*k->slots));
    if (!k->slots) {
        free(k);
        return NULL;
    }
    k->mask = 63;
    return k;
}

void json_keys_free(struct json_keys *keys)
{
    if (!keys)
        return;
    for (size_t i = 0; i <= keys->mask; i++)
        free(keys->slots[i].text);
    free(keys->slots);
    free(keys->recent);
    free(keys);
}

static size_t slot_of(const char *name, size_t mask)
{
    return (size_t)(((uintptr_t)name >> 4) * 0x9E3779B97F4A7C15ull >> 20) & mask;
}

static int keys_grow(struct json_keys *k)
{
    size_t mask = k->mask * 2 + 1;
    struct json_key *slots = calloc(mask + 1, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i <= k->mask; i++) {
        if (!k->slots[i].name)
            continue;
        size_t j = slot_of(k->slots[i].name, mask);
        while (slots[j].name)
            j = (j + 1) & mask;
        slots[j] = k->slots[i];
    }
    free(k->slots);
    k->slots = slots;
    k->mask = mask;
    return 0;
}

/* The escaped key text, made on first use. */
static const struct json_key *key_for(struct json_keys *k, const char *name)
{
    size_t i = slot_of(name, k->mask);
    while (k->slots[i].name) {
        if (k->slots[i].name == name)
            return &k->slots[i];
        i = (i + 1) & k->mask;
    }
    if ((k->count + 1) * 2 > k->mask + 1) {
        if (keys_grow(k))
            return NULL;
        return key_for(k, name);
    }
    /* Render through a small outbuf-like buffer: reuse the escaper. */
    size_t nlen = strlen(name);
    struct outbuf tmp = {.fd = -1};
    tmp.buf = malloc(OUTBUF_SIZE);
    if (!tmp.buf || nlen > OUTBUF_SIZE / 8) {
        free(tmp.buf);
        return NULL;
    }
    tmp.buf[tmp.len++] = ',';
    outbuf_json_string(&tmp, name, nlen);
    tmp.buf[tmp.len++] = ':';
    /* padded, so that put_key() copies whole 16-byte blocks, at least two */
    size_t padded = ((tmp.len + 15) & ~(size_t)15) + 32;   /* + 32: the copy may start at 1 */
    memset(tmp.buf + tmp.len, 0, padded - tmp.len);
    char *text = realloc(tmp.buf, padded);
    if (!text)
        text = tmp.buf;
    k->slots[i].name = name;
    k->slots[i].text = text;
    k->slots[i].len = tmp.len;
    k->count++;
    return &k->slots[i];
}

/* Appends the key (with the comma before it unless first): whole 16-byte
 * blocks of its padded text when the buffer has room, no call; a key of
 * up to 32 bytes (most) in two blocks, no loop. */
static inline void put_key(struct outbuf *ob, const struct json_key *key, bool first)
{
    const char *t = key->text + first;
    size_t len = key->len - first;
    if (OUTBUF_SIZE - ob->len >= key->len + 32) {
        char *w = ob->buf + ob->len;
        memcpy(w, t, 16);
        memcpy(w + 16, t + 16, 16);
        for (size_t k = 32; k < len; k += 16)
            memcpy(w + k, t + k, 16);
        ob->len += len;
        return;
    }
    outbuf_put(ob, t, len);
}

/* num_known: the record's fields carry what data_types inference found
 * (rec_field.num), which spares the number test where it decided. */
static void write_value(struct outbuf *ob, const struct rec_field *f, bool num_known)
{
    switch (f->type) {
    case REC_NULL:
        outbuf_put(ob, "null", 4);
        return;
    case REC_TEXT:
        if (num_known && f->num != REC_NUM_UNKNOWN ? f->num == REC_NUM_YES
                                                   : text_is_json_number(f->val, f->len)) {
            outbuf_put(ob, f->val, f->len);
            return;
        }
        break;
    case REC_INTEGER:
    case REC_NUMBER:
    case REC_BOOLEAN:
    case REC_JSON:
        if (f->len > 0) {
            outbuf_put(ob, f->val, f->len);
            return;
        }
        outbuf_put(ob, "null", 4);
        return;
    case REC_STRING:
        break;
    }
    outbuf_json_string(ob, f->val, f->len);
}

int json_record_write(struct outbuf *ob, struct json_keys *keys, const struct record *rec)
{
    if (rec->nfields > keys->recent_cap) {
        struct json_key *recent = calloc(rec->nfields, sizeof(*recent));
        if (!recent)
            return -1;
        free(keys->recent);
        keys->recent = recent;
        keys->recent_cap = rec->nfields;
    }
    outbuf_putc(ob, '{');
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct rec_field *f = &rec->fields[i];
        struct json_key *key = &keys->recent[i];
        if (key->name != f->name) {
            const struct json_key *found = key_for(keys, f->name);
            if (!found)
                return -1;
            *key = *found;
        }
        put_key(ob, key, i == 0);
        write_value(ob, f, rec->num_known);
    }
    outbuf_putc(ob, '}');
    return 0;
}
