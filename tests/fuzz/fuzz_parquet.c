/* fuzz_parquet.c — libFuzzer target for the Parquet reader (read_parquet.c)
 * over whole files: the input is the file, in a memfd. Records are
 * checked as for every reader (fuzz_reader.h); at most 20,000 are read,
 * since a few bytes of RLE can legitimately declare billions of rows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_reader.h"
#include "process/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path, sizeof(path));
    const struct reader_ops *ops = formats_reader("parquet");
    struct rec_env *env = rec_env_new(NULL);
    struct rec_arena *arena = rec_arena_new();
    struct reader_args args = {.path = path, .env = env};
    void *state = NULL;
    if (ops->open(&state, &args) == ENGINE_OK) {
        struct rec_columns cols = {0};
        if (ops->columns(state, &cols) != ENGINE_OK)
            abort();
        for (int n = 0; n < 20000; n++) {
            struct record rec = {.arena = arena};
            rec_arena_reset(arena);
            int r = ops->next(state, &rec);
            if (r == READ_EOF || r == READ_ERROR)
                break;
            if (r != READ_RECORD || rec.nfields != cols.count)
                abort();
            for (size_t i = 0; i < rec.nfields; i++)
                fuzz_check_field(&rec.fields[i]);
        }
        rec_columns_free(&cols);
        json_object *meta = json_object_new_object();
        ops->metadata(state, meta);
        json_object_put(meta);
        ops->close(state);
    }
    int st = rec_env_status(env);
    if ((st != ENGINE_OK && rec_env_error(env)[0] == '\0') ||
        (st != ENGINE_OK && st != ENGINE_BAD_INPUT)) {
        fprintf(stderr, "unexpected status %d: %s\n", st, rec_env_error(env));
        abort();
    }
    ops->sniff(data, size, NULL);
    rec_arena_free(arena);
    rec_env_free(env);
    close(fd);
    return 0;
}
