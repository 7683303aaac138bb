# fuzz/fuzz.mk - libFuzzer targets and their replay drivers.
#
#     make -f fuzz/fuzz.mk fuzz-progs      (fuzz/run.sh, hence make fuzz, does this)
#
# Includes the project Makefile, so the compiler and libcapr objects are
# built by the project's own rules, in their own directory (build/fuzz/:
# make clean removes it), with clang, coverage instrumentation for
# libFuzzer (fuzzer-no-link) and ASan + UBSan (every UB report aborts).
# override: a make fuzz O=... or CC=... on the command line reaches this
# sub-make through MAKEFLAGS and must not retarget the normal build.
override O = build/fuzz
override CC = clang
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang-only warnings the project code trips (reported; gcc builds are unaffected)
CLANG_QUIRKS = -Wno-format-nonliteral -Wno-bitwise-instead-of-logical
CFLAGS = $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CLANG_QUIRKS)
LDFLAGS = $(FUZZ_SAN)
include Makefile

F = $(O)/fuzz
FUZZ_TARGETS = policy blob bpf yaml
FUZZ_OBJS = $(COMPILER_LIB_OBJ) $(GEN_OBJ) $(O)/libcapr.a
FUZZ_LIBS = $(COMPILER_LIBS) -lpthread -Wl,--wrap=fopen
FUZZ_CFLAGS = $(BASE) -O1 -g $(WARN) $(CLANG_QUIRKS) -iquote fuzz

.PHONY: fuzz-progs
fuzz-progs: $(patsubst %,$(F)/fuzz_%,$(FUZZ_TARGETS)) $(patsubst %,$(F)/replay_%,$(FUZZ_TARGETS))

$(F):
	mkdir -p $@

$(F)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.c fuzz/fuzz.h $(FUZZ_OBJS) | $(F)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ fuzz/fuzz_$*.c fuzz/fuzz_common.c $(FUZZ_OBJS) $(FUZZ_LIBS)

# The same entry point without libFuzzer: replays files (fuzz/replay.c).
$(F)/replay_%: fuzz/fuzz_%.c fuzz/fuzz_common.c fuzz/replay.c fuzz/fuzz.h $(FUZZ_OBJS) | $(F)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -DFUZZ_TARGET='"$*"' -o $@ fuzz/fuzz_$*.c fuzz/fuzz_common.c fuzz/replay.c \
		$(FUZZ_OBJS) $(FUZZ_LIBS)
