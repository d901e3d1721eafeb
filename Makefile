# synscope: one flat, non-recursive Makefile.
#   make            build every program into bin/
#   make tcp        build check_tcp_raw only (as the original documents)
#   make check      unit tests, golden pcap tests, namespace tests (as root),
#                   valgrind memcheck runs, fuzz smoke runs (clang)
#   make demo       install missing packages, build, run tcpeek on a sample
#   make bench      benchmarks (ratios against a floor measured in the same run)
#   make install    PREFIX=/usr/local DESTDIR=
#   V=1 verbose commands, SAN=1 ASan+UBSan build, WERROR=1 (default under CI)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
# systemd and bash-completion look under /usr/local too, so these follow
# PREFIX; packagers set them (e.g. UNITDIR=/lib/systemd/system).
UNITDIR   ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
LIBEXECDIR ?= $(PREFIX)/libexec/synscope

CC        ?= cc
CFLAGS    ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wvla -Wcast-align \
             -Wno-missing-field-initializers
ifeq ($(CI),true)
WERROR    ?= 1
endif
ifeq ($(WERROR),1)
WARNFLAGS += -Werror
endif
ifeq ($(SAN),1)
BUILD     := build-san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD     := build
endif
ALL_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -DSYNSCOPE_VERSION='"$(VERSION)"' \
               -Isrc $(WARNFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -Wl,--as-needed
LIBS        := -lpcap -ljson-c -lm -lcap -lmicrohttpd -lmnl

ifneq ($(V),1)
Q = @
E = @printf '  %-6s %s\n'
else
Q =
E = @:
endif

# Each program's main file only wires modules together; everything else
# goes into one static library shared by programs, tests and tools.
MAINS    := src/check/check_tcp_raw.c src/peek/tcpeek.c src/stat/tcpeekstat.c \
            src/daemon/synscoped.c
LIB_SRC  := $(filter-out $(MAINS),$(wildcard src/common/*.c src/net/*.c src/sys/*.c src/check/*.c src/peek/*.c src/stat/*.c src/daemon/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libsynscope.a
PROGS    := bin/check_tcp_raw bin/tcpeek bin/tcpeekstat bin/synscoped
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tools/*.c bench/*.c)
TOOLS    := $(foreach t,$(TOOL_SRC),$(BUILD)/tools/$(notdir $(t:.c=)))

.PHONY: FORCE fuzz fuzz-smoke all tcp check check-run unit golden nettest demo bench install uninstall clean deps
.DEFAULT_GOAL := all
.SECONDARY:

all: $(PROGS) $(TOOLS)
tcp: bin/check_tcp_raw

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(E) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

bin/check_tcp_raw: $(BUILD)/src/check/check_tcp_raw.o $(LIB)
bin/tcpeek: $(BUILD)/src/peek/tcpeek.o $(LIB)
bin/tcpeekstat: $(BUILD)/src/stat/tcpeekstat.o $(LIB)
bin/synscoped: $(BUILD)/src/daemon/synscoped.o $(LIB)
# bin/ is shared by the normal and the SAN=1 builds: the stamp names the
# build that wrote it, and changes (so every program relinks) when the
# other one runs.
BIN_STAMP := bin/.built-by
$(BIN_STAMP): FORCE
	@mkdir -p bin && [ "$$(cat $@ 2>/dev/null)" = $(BUILD) ] || echo $(BUILD) >$@
$(PROGS): $(BIN_STAMP)
$(PROGS):
	@mkdir -p bin
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(E) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka

define tool_rule
$(BUILD)/tools/$(notdir $(1:.c=)): $(BUILD)/$(1:.c=.o) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(E) LD $$@
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< $$(LIB) $$(LIBS)
endef
$(foreach t,$(TOOL_SRC),$(eval $(call tool_rule,$(t))))

# libFuzzer harnesses (clang): each fuzz/fuzz_*.c with the library sources.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
FUZZ_CC  ?= clang
build-fuzz/%: fuzz/%.c $(LIB_SRC) $(wildcard src/*/*.h)
	@mkdir -p build-fuzz
	$(E) FUZZ $@
	$(Q)$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -DSYNSCOPE_VERSION='"$(VERSION)"' -Isrc -g -O1 \
	    -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(LIBS)
fuzz: $(FUZZERS)
fuzz-smoke: $(FUZZERS)
	$(Q)fuzz/smoke.sh $(FUZZERS)

# The tests: unit (cmocka), golden pcaps, then namespace scenarios (root).
# Missing Debian packages are installed first, as for make demo.
check: deps
	$(Q)$(MAKE) --no-print-directory check-run

check-run: all $(UNITS)
	$(Q)tests/run-unit.sh $(UNITS)
	$(Q)BUILD=$(BUILD) tests/data/run.sh
	$(Q)BUILD=$(BUILD) tests/net/run.sh
	$(Q)if [ -x tests/misc/run.sh ]; then BUILD=$(BUILD) tests/misc/run.sh; fi
	$(Q)BUILD=$(BUILD) tests/san/run.sh
	$(Q)if command -v $(FUZZ_CC) >/dev/null; then $(MAKE) --no-print-directory fuzz-smoke; \
	else echo "ok - fuzz (skipped: no $(FUZZ_CC))"; fi

unit: $(UNITS)
	$(Q)tests/run-unit.sh $(UNITS)

golden: all
	$(Q)BUILD=$(BUILD) tests/data/run.sh

nettest: all
	$(Q)BUILD=$(BUILD) tests/net/run.sh

deps:
	$(Q)scripts/install-deps.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench: all
	$(Q)BUILD=$(BUILD) bench/run.sh

# The units name /usr/local/sbin/tcpeek and /usr/local/bin/tcpeekstat;
# the copies installed point at the SBINDIR and BINDIR actually used.
install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 bin/check_tcp_raw bin/tcpeek bin/synscoped $(DESTDIR)$(SBINDIR)/
	install -m 0755 bin/tcpeekstat $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/check_tcp_raw.8 docs/tcpeek.8 docs/synscoped.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/tcpeekstat.1 $(DESTDIR)$(MANDIR)/man1/
	for u in tcpeek@.service tcpeek-textfile@.service tcpeek-textfile@.timer synscoped.service; do \
	    sed -e 's|/usr/local/sbin/tcpeek|$(SBINDIR)/tcpeek|' \
	        -e 's|/usr/local/sbin/synscoped|$(SBINDIR)/synscoped|' \
	        -e 's|/usr/local/bin/tcpeekstat|$(BINDIR)/tcpeekstat|' \
	        contrib/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 contrib/systemd/tcpeek.sysusers $(DESTDIR)$(SYSUSERSDIR)/tcpeek.conf
	install -m 0644 contrib/systemd/synscoped.sysusers $(DESTDIR)$(SYSUSERSDIR)/synscoped.conf
	install -m 0644 contrib/keepalived/synscope.tmpfiles $(DESTDIR)$(TMPFILESDIR)/synscope.conf
	install -m 0644 contrib/systemd/tcpeek.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tcpeek.conf
	install -m 0644 contrib/bash-completion/check_tcp_raw contrib/bash-completion/tcpeek \
	    contrib/bash-completion/tcpeekstat contrib/bash-completion/synscoped $(DESTDIR)$(COMPLETIONDIR)/
	install -m 0755 contrib/keepalived/lvs-role-notify contrib/keepalived/synscoped-track-files \
	    $(DESTDIR)$(LIBEXECDIR)/
	sed -e 's|/usr/local/sbin/check_tcp_raw|$(SBINDIR)/check_tcp_raw|' \
	    -e 's|/usr/local/libexec/synscope|$(LIBEXECDIR)|' \
	    contrib/ldirectord/check_tcp_raw-ldirectord >$(DESTDIR)$(LIBEXECDIR)/check_tcp_raw-ldirectord
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/check_tcp_raw-ldirectord

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/check_tcp_raw $(DESTDIR)$(SBINDIR)/tcpeek \
	      $(DESTDIR)$(SBINDIR)/synscoped $(DESTDIR)$(MANDIR)/man8/synscoped.8 \
	      $(DESTDIR)$(UNITDIR)/synscoped.service $(DESTDIR)$(SYSUSERSDIR)/synscoped.conf \
	      $(DESTDIR)$(COMPLETIONDIR)/synscoped $(DESTDIR)$(LIBEXECDIR)/synscoped-track-files \
	      $(DESTDIR)$(BINDIR)/tcpeekstat \
	      $(DESTDIR)$(MANDIR)/man8/check_tcp_raw.8 $(DESTDIR)$(MANDIR)/man8/tcpeek.8 \
	      $(DESTDIR)$(MANDIR)/man1/tcpeekstat.1 \
	      $(DESTDIR)$(UNITDIR)/tcpeek@.service $(DESTDIR)$(UNITDIR)/tcpeek-textfile@.service \
	      $(DESTDIR)$(UNITDIR)/tcpeek-textfile@.timer $(DESTDIR)$(SYSUSERSDIR)/tcpeek.conf \
	      $(DESTDIR)$(TMPFILESDIR)/synscope.conf \
	      $(DESTDIR)$(TMPFILESDIR)/tcpeek.conf \
	      $(DESTDIR)$(COMPLETIONDIR)/check_tcp_raw $(DESTDIR)$(COMPLETIONDIR)/tcpeek \
	      $(DESTDIR)$(COMPLETIONDIR)/tcpeekstat $(DESTDIR)$(LIBEXECDIR)/lvs-role-notify \
	      $(DESTDIR)$(LIBEXECDIR)/check_tcp_raw-ldirectord
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null

clean:
	rm -rf build build-san build-fuzz bin

-include $(shell find build build-san -name '*.d' 2>/dev/null)
