/* fuzz_thrift.c — libFuzzer target for the Thrift compact decoder
 * (thrift_compact.c) and the Parquet metadata built on it
 * (parquet_meta.c): the input is decoded as a FileMetaData (and each row
 * group's columns), as a PageHeader, and skipped as a bare struct. A
 * decoded footer is encoded again and must decode to the same counts. */
#include <stdint.h>
#include <stdlib.h>

#include "process/parquet_meta.h"
#include "process/thrift_compact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct pq_file_meta meta;
    if (pq_file_meta_decode(data, size, &meta, err, sizeof(err)) == 0) {
        if (!err[0] && meta.nschema == 0)
            abort();
        for (uint32_t g = 0; g < meta.nrow_groups; g++)
            if (pq_row_group_decode(&meta.row_groups[g], err, sizeof(err)) != 0)
                pq_row_group_clear(&meta.row_groups[g]);
        /* what decoded encodes (the writer's path) without a fault */
        struct tc_writer w;
        tc_writer_init(&w);
        for (uint32_t g = 0; g < meta.nrow_groups; g++)
            for (uint32_t c = 0; c < meta.row_groups[g].ncolumns; c++)
                if (!meta.row_groups[g].columns[c].meta.path)
                    meta.row_groups[g].columns[c].meta.path = "";
        pq_file_meta_encode(&w, &meta);
        struct pq_file_meta again;
        if (!w.failed && pq_file_meta_decode(w.buf, w.len, &again, err, sizeof(err)) == 0) {
            if (again.nschema != meta.nschema || again.nrow_groups != meta.nrow_groups ||
                again.num_rows != meta.num_rows)
                abort();
            pq_file_meta_free(&again);
        }
        tc_writer_free(&w);
    }
    pq_file_meta_free(&meta);

    struct pq_page_header h;
    size_t used;
    if (pq_page_header_decode(data, size, &h, &used, err, sizeof(err)) == 0 && used > size)
        abort();

    struct tc_reader r;
    tc_reader_init(&r, data, size);
    tc_skip(&r, TC_STRUCT);
    if (r.p > r.end)
        abort();
    return 0;
}
