# bench/bench.mk - the benchmark programs. bench/run.sh runs
#
#     make -f bench/bench.mk O=build bench-progs
#
# It includes the project Makefile for its flags (BASE, OPT, WARN) and its
# rules for libcapr, so the benchmarks build exactly like the project.
include Makefile

B = $(O)/bench
BENCH_CFLAGS = $(BASE) $(OPT) $(WARN) $(CFLAGS) -iquote bench
BENCH_PROGS = $(B)/docker2cap $(B)/sc_direct $(B)/bpfcount $(B)/forkexec $(B)/nop \
	$(B)/syscost $(B)/blobbench $(B)/enterbench $(B)/compilebench $(B)/capload-static

.PHONY: bench-progs
bench-progs: $(BENCH_PROGS)

$(B):
	mkdir -p $@

$(B)/docker2cap: bench/docker2cap.c bench/docker_profile.c bench/docker_profile.h | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/docker2cap.c bench/docker_profile.c -lseccomp -lcap -lyaml

$(B)/sc_direct: bench/sc_direct.c bench/docker_profile.c bench/docker_profile.h | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/sc_direct.c bench/docker_profile.c -lseccomp -lcap -lyaml

# capc's own interpreter (the one capc query uses) runs the filters.
$(B)/bpfcount: bench/bpfcount.c bench/bpfload.c bench/bpfload.h $(O)/compiler/bpf_run.o $(O)/libcapr.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/bpfcount.c bench/bpfload.c $(O)/compiler/bpf_run.o $(O)/libcapr.a -lpthread

# Static: a forked child of the harness starts with the harness's own
# resident pages, which count in the child's peak RSS; a small static
# harness keeps that floor low (see docs/performance.md).
$(B)/forkexec: bench/forkexec.c bench/stats.h | $(B)
	$(CC) $(BENCH_CFLAGS) -static -o $@ bench/forkexec.c -lm

# The smallest program there is: the peak RSS of "loader -- nop" is the
# loader's own.
$(B)/nop: bench/nop.c | $(B)
	$(CC) -O2 -static -nostdlib -fno-stack-protector -fno-asynchronous-unwind-tables -o $@ $<

$(B)/syscost: bench/syscost.c bench/bpfload.c bench/bpfload.h bench/stats.h $(O)/libcapr.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/syscost.c bench/bpfload.c $(O)/libcapr.a -lpthread -lm

$(B)/blobbench: bench/blobbench.c bench/bpfload.c bench/bpfload.h bench/stats.h $(O)/libcapr.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/blobbench.c bench/bpfload.c $(O)/libcapr.a -lpthread -lm

$(B)/enterbench: bench/enterbench.c bench/bpfload.c bench/bpfload.h bench/stats.h $(O)/libcapr.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/enterbench.c bench/bpfload.c $(O)/libcapr.a -lpthread -lm

# capc's compile in-process: the compiler's objects, as the unit tests link them.
$(B)/compilebench: bench/compilebench.c bench/bpfload.c bench/bpfload.h bench/stats.h $(COMPILER_LIB_OBJ) $(GEN_OBJ) $(O)/libcapr.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/compilebench.c bench/bpfload.c $(COMPILER_LIB_OBJ) $(GEN_OBJ) $(O)/libcapr.a $(COMPILER_LIBS) -lpthread

# capload linked statically, to measure what it would save at launch.
# Not what `make` builds: glibc's getpwnam_r in a static program needs the
# very glibc it was linked with at run time, and NSS modules (LDAP, SSSD)
# would not load (docs/performance.md). The linker's warnings say so.
$(B)/capload-static: $(O)/runtime/capload.o $(O)/libcapr.a | $(B)
	$(CC) -static -o $@ $^ -lpthread 2>/dev/null
