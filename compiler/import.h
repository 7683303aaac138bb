/* import.h - capc import (import.c). */
#ifndef CAPC_IMPORT_H
#define CAPC_IMPORT_H

/* argv: what follows "import" on capc's command line; the exit status. */
int import_main(int argc, char **argv);

#endif /* CAPC_IMPORT_H */
