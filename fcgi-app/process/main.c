/* main.c — quarry-process: `run` (the engine from the command line) or
 * `job <id>` (the database mode that quarry-jobd spawns). */
#include <stdio.h>
#include <string.h>

#include "process/cli.h"
#include "process/job.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "job") == 0)
        return job_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        return cli_main(argc, argv);
    fputs("usage: quarry-process run --input FILE --output FILE [options] (see run --help)\n"
          "       quarry-process job JOB_ID\n",
          stderr);
    return 2;
}
