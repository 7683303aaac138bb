# capc - least-privilege policies for Linux services.
#
#   make                  build capc, capload, libcapr, the preload object and pam_capc.so
#   make check            install missing build/test dependencies (Debian, as root) and run every test
#   make check SANITIZE=1 the same under AddressSanitizer + UndefinedBehaviorSanitizer (in build-san/)
#   make golden-update    regenerate tests/golden expectations after an intended change
#   make bench            benchmarks, printed as ratios against named baselines
#   make fuzz             libFuzzer targets (clang), FUZZ_SECONDS=60 each
#   make install          PREFIX=/usr/local DESTDIR=
#
# The pipeline is the folder structure: grammar/ -> compiler/ -> include/capbin.h -> runtime/.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/capc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
PAMDIR ?= $(LIBDIR)/security
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

CC ?= cc
FLEX ?= flex
BISON ?= bison
SANITIZE ?=

ifeq ($(SANITIZE),1)
O ?= build-san
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
O ?= build
SAN_FLAGS =
endif

OPT ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
# -iquote, not -I, for compiler/: its seccomp.h must not hide libseccomp's <seccomp.h>.
BASE = -std=gnu11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Iinclude -iquote compiler -iquote runtime -I$(O)/gen
CFLAGS_OWN = $(BASE) $(OPT) $(WARN) $(SAN_FLAGS) $(CFLAGS)
# flex/bison output: our warnings off, nothing else changed.
CFLAGS_GEN = $(BASE) $(OPT) -w $(SAN_FLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN_FLAGS) $(LDFLAGS)

VERSION = 1.0.0
SOVERSION = 1

# ---------------------------------------------------------------- compiler
COMPILER_SRC = $(sort $(wildcard compiler/*.c))
COMPILER_OBJ = $(patsubst %.c,$(O)/%.o,$(COMPILER_SRC))
COMPILER_LIB_OBJ = $(filter-out $(O)/compiler/main.o,$(COMPILER_OBJ))
GEN_OBJ = $(O)/gen/parser.o $(O)/gen/lexer.o $(O)/gen/tables_data.o
COMPILER_LIBS = -lseccomp -lcap -lyaml

# ---------------------------------------------------------------- runtime
# libcapr: runtime/capr_*.c. Links libc only (and libpthread, part of libc).
RUNTIME_SRC = $(sort $(wildcard runtime/capr_*.c))
RUNTIME_OBJ = $(patsubst %.c,$(O)/%.o,$(RUNTIME_SRC))
RUNTIME_PIC_OBJ = $(patsubst %.c,$(O)/pic/%.o,$(RUNTIME_SRC))

PROGRAMS = $(O)/capc $(O)/capload
LIBS = $(O)/libcapr.a $(O)/libcapr.so.$(SOVERSION)
ifneq ($(wildcard runtime/preload.c),)
LIBS += $(O)/capr_preload.so
endif
ifneq ($(wildcard runtime/pam_capc.c),)
LIBS += $(O)/pam_capc.so
endif

all: $(PROGRAMS) $(LIBS)

.PHONY: all check check-only deps demo golden-update bench install uninstall clean fuzz tests FORCE

# ---------------------------------------------------------------- generated sources
# Grouped targets (&:): one bison/flex run makes both files, even with -j.
$(O)/gen/parser.c $(O)/gen/parser.h &: grammar/parser.y | $(O)/gen
	$(BISON) -Wall -Werror --defines=$(O)/gen/parser.h -o $(O)/gen/parser.c $<

$(O)/gen/lexer.c $(O)/gen/lexer.h &: grammar/lexer.l $(O)/gen/parser.h | $(O)/gen
	$(FLEX) --header-file=$(O)/gen/lexer.h -o $(O)/gen/lexer.c $<

$(O)/gen/tables_data.c: tools/gen-tables.sh $(wildcard compiler/data/*) | $(O)/gen
	sh tools/gen-tables.sh compiler/data $@

# Generated objects get no -MMD: name the header that fixes its layout.
$(O)/gen/tables_data.o: compiler/tables_data.h compiler/tables.h

$(O)/gen/%.o: $(O)/gen/%.c
	$(CC) $(CFLAGS_GEN) -Igrammar -c -o $@ $<

# Every compiler object may include the generated headers.
$(COMPILER_OBJ): $(O)/gen/parser.h $(O)/gen/lexer.h

$(O)/compiler/%.o: compiler/%.c | $(O)/compiler
	$(CC) $(CFLAGS_OWN) -MMD -MP -c -o $@ $<

$(O)/runtime/%.o: runtime/%.c | $(O)/runtime
	$(CC) $(CFLAGS_OWN) -MMD -MP -c -o $@ $<

$(O)/pic/runtime/%.o: runtime/%.c | $(O)/pic/runtime
	$(CC) $(CFLAGS_OWN) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

$(O)/gen $(O)/compiler $(O)/runtime $(O)/pic/runtime $(O)/tests $(O)/tests/unit:
	mkdir -p $@

# ---------------------------------------------------------------- link
# capc links the runtime library for its blob validator (capc --dump checks
# a blob with exactly the rules capload applies).
$(O)/capc: $(COMPILER_OBJ) $(GEN_OBJ) $(O)/libcapr.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(COMPILER_LIBS) -lpthread

$(O)/libcapr.a: $(RUNTIME_OBJ)
	rm -f $@
	ar rcs $@ $^

$(O)/libcapr.so.$(SOVERSION): $(RUNTIME_PIC_OBJ)
	$(CC) $(LDFLAGS_ALL) -shared -Wl,-soname,libcapr.so.$(SOVERSION) -Wl,-z,now -Wl,-z,relro -o $@ $^ -lpthread
	ln -sf libcapr.so.$(SOVERSION) $(O)/libcapr.so

# capload looks for the preload object in $(LIBDIR)/capc and prints $(VERSION).
# It is rebuilt when LIBDIR changes (make install PREFIX=/x after a plain
# make): the stamp is rewritten only when its content would differ.
$(O)/runtime/capload.o: CFLAGS_OWN += -DCAPC_LIBDIR='"$(LIBDIR)"' -DCAPC_VERSION='"$(VERSION)"'
$(O)/runtime/capload.o: $(O)/libdir.stamp
$(O)/libdir.stamp: FORCE | $(O)/runtime
	@printf '%s\n' '$(LIBDIR)' | cmp -s - $@ || printf '%s\n' '$(LIBDIR)' >$@
FORCE:

$(O)/capload: $(O)/runtime/capload.o $(O)/libcapr.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ -lpthread

# The preload object is injected into programs we did not build, so it is
# never built with sanitizers (their runtime must come first in the process).
$(O)/capr_preload.so: runtime/preload.c $(RUNTIME_SRC) include/capr.h include/capbin.h
	$(CC) $(BASE) $(OPT) $(WARN) $(CFLAGS) -DCAPR_PRELOAD -fPIC -fvisibility=hidden -shared -Wl,-z,now \
		-o $@ runtime/preload.c $(RUNTIME_SRC) -ldl -lpthread

# Only pam_sm_* are exported (runtime/pam_capc.map): the host may hold
# another libcapr (linked, or the preload object).
$(O)/pam_capc.so: $(O)/pic/runtime/pam_capc.o $(RUNTIME_PIC_OBJ) runtime/pam_capc.map
	$(CC) $(LDFLAGS_ALL) -shared -Wl,-z,now -Wl,--version-script=runtime/pam_capc.map -o $@ $(filter %.o,$^) -lpam -lpthread

# ---------------------------------------------------------------- tests
# tests/runtime/*.c: programs run by the runtime tests (link libcapr).
# tests/unit/*.c: unit tests of compiler parts (link the compiler objects).
TEST_RUNTIME_SRC = $(sort $(wildcard tests/runtime/*.c))
TEST_RUNTIME_BIN = $(patsubst tests/runtime/%.c,$(O)/tests/%,$(TEST_RUNTIME_SRC))
TEST_UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
TEST_UNIT_BIN = $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(TEST_UNIT_SRC))

# -MMD: a test program is rebuilt when a header or a file it includes
# (ftpd_test_capr.c includes ftpd_test.c) changes.
$(O)/tests/%: tests/runtime/%.c $(O)/libcapr.a | $(O)/tests
	$(CC) $(CFLAGS_OWN) -MMD -MP -MF $@.d -o $@ $< $(O)/libcapr.a -lpthread

# The pam_capc test driver is a login program: it links libpam, not libcapr.
$(O)/tests/pam_login: tests/runtime/pam_login.c | $(O)/tests
	$(CC) $(CFLAGS_OWN) -MMD -MP -MF $@.d -o $@ $< -lpam -lpthread

# Each unit test lists the objects it links in tests/unit/NAME.deps
# (paths without .o, relative to the build directory: compiler/diag gen/parser ...).
.SECONDEXPANSION:
# (addprefix/addsuffix, not patsubst: in a pattern rule's prerequisites make
# replaces the first % with the stem before the second expansion.)
$(O)/tests/unit/%: tests/unit/%.c tests/unit/%.deps $$(addprefix $(O)/,$$(addsuffix .o,$$(shell cat tests/unit/$$*.deps 2>/dev/null))) | $(O)/tests/unit
	$(CC) $(CFLAGS_OWN) -MMD -MP -MF $@.d -o $@ $< $(filter %.o,$^) $(COMPILER_LIBS)

tests: all $(TEST_RUNTIME_BIN) $(TEST_UNIT_BIN)

deps:
	sh tools/install-deps.sh

# The README's test command. Installs what is missing, builds, runs everything.
check: deps
	$(MAKE) tests
	sh tests/run.sh $(O)

# Same without the dependency step (for a machine already set up).
check-only: tests
	sh tests/run.sh $(O)

# The README's first command: build, then compile an example policy, run a
# program under it and show what the kernel reports.
demo: deps
	$(MAKE) all $(O)/tests/probe
	sh tools/demo.sh $(O)

golden-update: all
	sh tests/golden/run.sh $(O) --update

# bench/run.sh builds its own programs (bench/bench.mk, this file's flags).
bench: all
	sh bench/run.sh $(O)

# libFuzzer targets, built with clang + ASan/UBSan in build/fuzz (fuzz/fuzz.mk),
# each run for FUZZ_SECONDS; crashes land in fuzz/corpus-out/artifacts/.
FUZZ_SECONDS ?= 60
fuzz:
	sh fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(LIBDIR)/capc
	install -m 0755 $(O)/capc $(O)/capload $(DESTDIR)$(BINDIR)/
	install -m 0644 $(O)/libcapr.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(O)/libcapr.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libcapr.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libcapr.so
	install -m 0644 include/capr.h include/capbin.h $(DESTDIR)$(INCLUDEDIR)/
	# capr.pc is made here, not at build time, so it names the PREFIX/LIBDIR of this install.
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
		runtime/capr.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/capr.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/capr.pc
	if [ -f $(O)/capr_preload.so ]; then install -m 0644 $(O)/capr_preload.so $(DESTDIR)$(LIBDIR)/capc/; fi
	if [ -f $(O)/pam_capc.so ]; then install -d $(DESTDIR)$(PAMDIR) && install -m 0644 $(O)/pam_capc.so $(DESTDIR)$(PAMDIR)/; fi
	for m in man/*.1; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in man/*.3; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man3/; done; true
	for m in man/*.8; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man8/; done; true
	install -d $(DESTDIR)$(MANDIR)/man5
	for m in man/*.5; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man5/; done; true
	install -d $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 README.md docs/*.md docs/capr-example.c $(DESTDIR)$(DOCDIR)/
	install -m 0644 completion/capc.bash $(DESTDIR)$(BASHCOMPDIR)/capc
	ln -sf capc $(DESTDIR)$(BASHCOMPDIR)/capload

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/capc $(DESTDIR)$(BINDIR)/capload $(DESTDIR)$(LIBDIR)/libcapr.* \
		$(DESTDIR)$(INCLUDEDIR)/capr.h $(DESTDIR)$(INCLUDEDIR)/capbin.h $(DESTDIR)$(PKGCONFIGDIR)/capr.pc \
		$(DESTDIR)$(PAMDIR)/pam_capc.so $(DESTDIR)$(BASHCOMPDIR)/capc $(DESTDIR)$(BASHCOMPDIR)/capload
	for m in man/*.[0-9]; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -rf $(DESTDIR)$(LIBDIR)/capc $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-san

-include $(wildcard $(O)/compiler/*.d $(O)/runtime/*.d $(O)/pic/runtime/*.d $(O)/tests/*.d $(O)/tests/unit/*.d)
