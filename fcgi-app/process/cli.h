/* cli.h — `quarry-process run ...`: the engine from the command line. */
#ifndef QUARRY_PROCESS_CLI_H
#define QUARRY_PROCESS_CLI_H

/* Returns the exit status: 0 ok, 2 bad input or config, 1 anything else. */
int cli_main(int argc, char **argv);

#endif
