/* job.c — placeholder until the database mode lands (another engineer
 * owns this file): says so and fails. */
#include <stdio.h>

#include "process/job.h"

int job_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("quarry-process: job mode needs the database build\n", stderr);
    return 1;
}
