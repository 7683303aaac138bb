/* query.h - capc query (query.c). */
#ifndef CAPC_QUERY_H
#define CAPC_QUERY_H

/* argv: what follows "query" on capc's command line. Returns the exit
 * status: 0, 1 (the policy or blob is bad), 2 (usage, I/O). */
int query_main(int argc, char **argv);

#endif /* CAPC_QUERY_H */
