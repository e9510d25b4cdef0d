/* read_csv.h — a switch of the CSV reader (read_csv.c) for tests. */
#ifndef QUARRY_PROCESS_READ_CSV_H
#define QUARRY_PROCESS_READ_CSV_H

#include <stdbool.h>

/* Turns the block scan of plain records (no quote, no escape, the
 * header's number of fields) on or off for the whole process; on by
 * default. Off, every record takes the general scanner: the differential
 * fuzz target (tests/fuzz/fuzz_csv.c) runs each input both ways and
 * requires the same output. */
void read_csv_fast_path(bool on);

#endif
