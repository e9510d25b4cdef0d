#ifndef QUARRY_API_ADMIN_H
#define QUARRY_API_ADMIN_H
/* The administration subcommands of quarry-api, run from a shell (the stack
 * script's create-admin), never from a request:
 *
 *   quarry-api admin create EMAIL [USERNAME]   password on standard input
 *
 * They use the same stores and rules as the API. argv[0] is "admin".
 * Returns the exit code. */
int admin_main(int argc, char **argv);

#endif
