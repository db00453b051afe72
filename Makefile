# smtpfix: one non-recursive GNU Makefile.
#   make            build ./smtpfix (in build/, or build-san/ with SAN=1)
#   make check      unit tests, fake-server tests and the real-Exim tests
#   make test       install what the tests need, then check with -Werror,
#                   then check again under AddressSanitizer+UBSan
#   make deps       install missing Debian packages and unpack a private Exim
#   make lint       layering rules and banned functions
#   V=1 shows full commands; SAN=1 builds everything with ASan+UBSan;
#   WERROR=1 turns warnings into errors.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share/smtpfix
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
PKG_CONFIG ?= pkg-config
NPROC     := $(shell nproc 2>/dev/null || echo 2)
CC        ?= cc

ifeq ($(FUZZ),1)
# libFuzzer targets: clang, the library instrumented for coverage and
# checked by ASan and UBSan (make fuzz).
CC        := clang
BUILD     ?= build-fuzz
SANFLAGS  := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPTFLAGS  ?= -O1 -g
else ifeq ($(STATIC),1)
# One binary with no shared-library dependencies (make static): libcurl
# and libxml2 built by tools/static-deps.sh with only what smtpfix uses,
# the other libraries from Debian's static archives.
BUILD     ?= build-static
SANFLAGS  :=
OPTFLAGS  ?= -O2 -g -D_FORTIFY_SOURCE=2
PKG_STATIC := --static
LDFLAGS   += -static
CPPFLAGS  += -DSMTPFIX_STATIC
else ifeq ($(SAN),1)
BUILD     ?= build-san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPTFLAGS  ?= -O1 -g
else
BUILD     ?= build
SANFLAGS  :=
OPTFLAGS  ?= -O2 -g -D_FORTIFY_SOURCE=2
endif

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef \
	-Wsign-compare -Wnull-dereference -Wvla -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

PKGS_LIB  := openssl libcares zlib libidn2 libcurl libxml-2.0
PKGS_UI   := ncursesw
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS_LIB) $(PKGS_UI) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) $(PKG_STATIC) --libs $(PKGS_LIB) $(PKGS_UI) 2>/dev/null)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# The version, from git: a release tag (v0.2.0, or 0.2.0-12-g1234abc after
# it), else the release in src/cli/cli.h with the commit count and hash
# (0.1.0+git312.1234abc); a source tarball carries it in its VERSION file.
BASE_VERSION := $(shell sed -n 's/^\#define SMTPFIX_VERSION "\(.*\)"/\1/p' src/cli/cli.h)
GIT_VERSION := $(or $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//'),\
	$(shell n=$$(git rev-list --count HEAD 2>/dev/null) && h=$$(git rev-parse --short HEAD 2>/dev/null) &&\
		echo "$(BASE_VERSION)+git$$n.$$h"))
VERSION := $(or $(GIT_VERSION),$(shell cat VERSION 2>/dev/null),$(BASE_VERSION))

CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS   ?=
CFLAGS   += -std=c11 $(OPTFLAGS) $(WARNINGS) -fstack-protector-strong $(SANFLAGS) \
	$(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n'
endif

LAYERS    := core net tls smtp probe mta errors autoconfig diagnose guide setup lab report run watch bans wizard ui
HELP_C    := $(BUILD)/gen/help_data.c
TERMINFO_C := $(BUILD)/gen/terminfo_data.c
LIB_SRC   := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
CLI_SRC   := $(wildcard src/cli/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/help_data.o $(BUILD)/gen/terminfo_data.o
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libsmtpfix.a
BIN       := $(BUILD)/smtpfix

UNIT_SRC  := $(wildcard tests/unit/*.c) $(wildcard tests/support/*.c)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(BUILD)/tests/unit-tests

HELP_FILES := $(shell find help -type f 2>/dev/null)

.DEFAULT_GOAL := all
.PHONY: all dist deb rpm check-package binaries static check-static check-completion bench bench-static check check-integration check-wizard-exim check-corpus check-servers check-unit check-cli check-exim check-policy check-lab check-guides check-wizard check-secrets check-valgrind check-watch check-bans check-autoconfig check-setup fuzz fuzz-run test deps exim lint install uninstall clean FORCE

# Objects depend on the compiler flags, so switching WERROR or SAN (or CC)
# rebuilds instead of reusing objects built another way.
FLAGS_STAMP := $(BUILD)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' > $@

all: $(BIN) smtpfix

# A convenience link at the top, so the README's commands work as written.
smtpfix: $(BIN)
	$(Q)ln -sf $(BIN) smtpfix

# Only main.c prints the version.
$(BUILD)/src/cli/main.o: CPPFLAGS += -DSMTPFIX_VERSION='"$(VERSION)"'
$(BUILD)/src/cli/main.o: $(BUILD)/.version
$(BUILD)/.version: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	$(quiet) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c $(FLAGS_STAMP)
	$(quiet) CC $<
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

# help/ compiled in: one copied binary is complete.
$(HELP_C): $(HELP_FILES) tools/embed-help.sh
	$(quiet) GEN $@
	$(Q)mkdir -p $(dir $@)
	$(Q)tools/embed-help.sh $@

# The terminals' terminfo entries, built in (every one required in the
# static build, which cannot count on the system's database).
$(TERMINFO_C): tools/embed-terminfo.sh
	$(quiet) GEN $@
	$(Q)mkdir -p $(dir $@)
	$(Q)tools/embed-terminfo.sh $@ $(if $(filter 1,$(STATIC)),--require,)

$(BUILD)/gen/terminfo_data.o: $(TERMINFO_C) $(FLAGS_STAMP)
	$(quiet) CC $<
	$(Q)$(CC) $(CPPFLAGS) -Isrc/ui $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/help_data.o: $(HELP_C) $(FLAGS_STAMP)
	$(quiet) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(UNIT_BIN): $(UNIT_OBJ) $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB) $(CHECK_LIBS) $(LDLIBS)

# make check needs nothing but this machine: the unit tests (with their
# scripted fake servers and dnsmasq), the command line, the practice
# server, the wizard against it, the policy reader on fixture trees and
# the corpora. make check-integration runs the real servers unpacked from
# Debian's packages: Exim, Postfix, Dovecot, OpenSMTPD (make deps fetches
# them). valgrind and AddressSanitizer cannot watch the same process: the
# SAN=1 pass has ASan and UBSan, the plain pass has memcheck.
# The corpora give figures, the same in both builds: they run in the
# plain pass. Under the sanitizers the recognizer meets any bytes in its
# fuzz target and every reply of the lab's hostile scenarios instead.
check: check-unit check-cli check-policy check-lab check-wizard check-completion $(if $(filter 1,$(SAN)),,check-corpus)

# bash's completion function for smtpfix driven for a few prefixes.
check-completion: $(BIN)
	$(Q)tests/completion/run.sh $(abspath $(BIN))

# The guides' third-party programs, the valgrind runs, the probe of the
# real Postfix, Dovecot and OpenSMTPD and the static binary in an empty
# root run once, in the plain build:
# under the sanitizers they would test the same smtpfix code (the probe,
# the practice server, the renderer) that the Exim, lab and unit tests
# already run there.
check-integration: check-exim check-wizard-exim check-secrets check-watch check-bans check-autoconfig check-setup $(if $(filter 1,$(SAN)),,check-servers check-guides check-valgrind check-static check-package)

check-wizard-exim: $(BIN)
	$(Q)tests/wizard/exim.sh $(abspath $(BIN))

# Real Postfix (with Dovecot SASL), Dovecot's submission service and
# OpenSMTPD, each in its own namespaces on loopback: what smtpfix concludes
# about each. They need root (sudo is used when make runs as a user).
check-servers: $(BIN)
	$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/servers/diagnose.sh $(abspath $(BIN))

# Real error texts people pasted, with their sources: the recognizer's
# top-1 figure per family (fails under 90% overall; 85% for errors4.tsv
# and errors5.tsv, the newest and hardest ones learnt from). errors2.tsv was gathered blind
# and is never tuned for: its floor only catches a loss.
check-corpus: $(BIN)
	$(Q)tests/corpus/run.sh $(abspath $(BIN))
	$(Q)SMTPFIX_CORPUS=tests/corpus/errors3.tsv tests/corpus/run.sh $(abspath $(BIN))
	$(Q)SMTPFIX_CORPUS=tests/corpus/errors4.tsv SMTPFIX_CORPUS_MIN=85 tests/corpus/run.sh $(abspath $(BIN))
	$(Q)SMTPFIX_CORPUS=tests/corpus/errors5.tsv SMTPFIX_CORPUS_MIN=85 tests/corpus/run.sh $(abspath $(BIN))
	$(Q)SMTPFIX_CORPUS=tests/corpus/errors2.tsv SMTPFIX_CORPUS_MIN=66 SMTPFIX_CORPUS_WRONG_MAX=4 \
		tests/corpus/run.sh $(abspath $(BIN))

# smtpfix watch following the real test Exim's, Postfix's and Dovecot's
# logs while real clients send, through rotation (as root: the private
# Postfix and Dovecot run in namespaces). Postfix's and Dovecot's lines go
# through the same parser the sanitizer pass runs on the real Exim's and on
# every real line of the unit tests, so their servers run once, in the
# plain build.
check-watch: $(BIN)
	$(Q)tests/watch/run.sh $(abspath $(BIN))
	$(Q)tests/watch/hostile.sh $(abspath $(BIN))
	$(if $(filter 1,$(SAN)),,$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/watch/servers.sh $(abspath $(BIN)))

# smtpfix autoconfig against a real nginx on loopback serving right,
# wrong, missing, redirected, oversized and malformed answers for test
# domains (dnsmasq names them), with certificates made by the test.
check-autoconfig: $(BIN)
	$(Q)tests/autoconfig/run.sh $(abspath $(BIN))

# The setup files read back by the programs they are for: plistlib and
# openssl cms for the profile, xmllint and smtpfix autoconfig for the
# autoconfig file, a real msmtp sending through the test Exim.
check-setup: $(BIN)
	$(Q)tests/setup/run.sh $(abspath $(BIN))

# smtpfix bans against a private fail2ban, nftables and iptables rules in a
# network namespace made by the test (root), and CSF and cPHulk fixtures.
check-bans: $(BIN)
	$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/bans/run.sh $(abspath $(BIN))

check-secrets: $(BIN)
	$(Q)tests/secrets/run.sh $(abspath $(BIN))

check-valgrind: $(BIN)
	$(Q)tests/valgrind/run.sh $(abspath $(BIN))

check-wizard: $(BIN)
	$(Q)tests/wizard/run.sh $(abspath $(BIN))
	$(Q)tests/wizard/screen.sh $(abspath $(BIN))

check-lab: $(BIN)
	$(Q)tests/lab/run.sh $(abspath $(BIN))

# The guides followed word for word: each library guide's complete example
# run as rendered by the real program (smtplib, msmtp, PHPMailer,
# Nodemailer; a real Postfix set up by its guide's script, as root) against
# the practice server and the test Exim; Thunderbird's labels against its
# own strings.
check-guides: $(BIN)
	$(Q)tests/guides/run.sh $(abspath $(BIN))
	$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/guides/postfix.sh $(abspath $(BIN))

check-policy: $(BIN)
	$(Q)tests/policy/run.sh $(abspath $(BIN))
	$(Q)tests/policy/hostile.sh $(abspath $(BIN))
	$(Q)tests/policy/logs.sh $(abspath $(BIN))

check-cli: $(BIN)
	$(Q)tests/cli/run.sh $(abspath $(BIN))

check-unit: $(UNIT_BIN) $(BIN)
	$(Q)SMTPFIX_BIN=$(abspath $(BIN)) $(UNIT_BIN)

check-exim: $(BIN)
	$(Q)tests/exim/run.sh $(abspath $(BIN))

# Speed targets live here, never in a timed unit test.
# make fuzz: every libFuzzer target for FUZZ_SECONDS each (default 60),
# starting from the seed corpora in tests/fuzz/corpus; a crash stops it and
# leaves the input in build-fuzz/fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))

fuzz:
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) FUZZ=1 $(FUZZ_TARGETS:%=build-fuzz/fuzz/%)
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	$(Q)tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(quiet) FUZZ $@
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# make static: build-static/smtpfix, one binary with no shared-library
# dependencies (tools/static-deps.sh builds libcurl and libxml2 from
# Debian's sources first, once). make check-static runs it in an empty
# root.
STATIC_DEPS := $(abspath build-static)/deps
static:
	$(Q)tools/static-deps.sh build-static
	$(Q)PKG_CONFIG_PATH=$(STATIC_DEPS)/lib/pkgconfig $(MAKE) --no-print-directory -j$(NPROC) \
		STATIC=1 build-static/smtpfix

# make deb, make rpm: packages of the static binary (with the man page and
# the completions) in build-static/pkg; make check-package installs each
# into a scratch root and removes it again.
deb rpm: static
	$(Q)tools/package.sh $@ build-static/smtpfix '$(VERSION)' build-static/pkg

check-package: deb rpm
	$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/package/run.sh build-static/pkg '$(VERSION)'

check-static: static
	$(Q)$(if $(filter 0,$(shell id -u)),,sudo) tests/static/run.sh $(abspath build-static/smtpfix)

bench: $(BIN)
	$(Q)tests/bench/all.sh $(abspath $(BIN))

# make dist: smtpfix-VERSION.tar.gz, the tree as committed (git archive)
# with a VERSION file, so a build from it says the same version.
DIST := smtpfix-$(VERSION)
DISTDIR ?= .
dist:
	$(Q)git rev-parse --git-dir >/dev/null 2>&1 || { echo "dist: needs the git tree" >&2; exit 1; }
	$(Q)mkdir -p $(BUILD)/dist && echo '$(VERSION)' > $(BUILD)/dist/VERSION
	$(Q)git archive --format=tar --prefix=$(DIST)/ --add-file=$(BUILD)/dist/VERSION HEAD | \
		gzip -9n > $(DISTDIR)/$(DIST).tar.gz
	$(quiet) DIST $(DISTDIR)/$(DIST).tar.gz

# The static binary's size, start-up time and memory next to the dynamic
# build's (the README's table).
bench-static: static $(BIN)
	$(Q)tests/bench/static.sh $(abspath build-static/smtpfix) $(abspath $(BIN))

# Everything the README's test command needs, from a fresh Debian 12.
# Each build runs on every core first; the suites then run one after
# another (they time servers and deadlines, and share nothing else).
test:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) WERROR=1 binaries
	$(Q)$(MAKE) --no-print-directory WERROR=1 lint check check-integration
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) WERROR=1 SAN=1 binaries
	$(Q)$(MAKE) --no-print-directory WERROR=1 SAN=1 check check-integration
	$(Q)$(MAKE) --no-print-directory WERROR=1 FUZZ_SECONDS=5 fuzz

# The program and the unit tests, for a parallel build before the suites.
binaries: $(BIN) $(UNIT_BIN) smtpfix

deps:
	$(Q)tools/deps.sh
	$(Q)tests/exim/fetch.sh
	$(Q)tests/servers/fetch.sh
	$(Q)tests/guides/fetch.sh
	$(Q)tests/bans/fetch.sh
	$(Q)tests/watch/fetch.sh
	$(Q)tests/autoconfig/fetch.sh

exim:
	$(Q)tests/exim/fetch.sh

lint:
	$(Q)tools/lint.sh

BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/smtpfix
	install -m 0644 doc/smtpfix.1 $(DESTDIR)$(MANDIR)/man1/smtpfix.1
	install -D -m 0644 completion/smtpfix.bash $(DESTDIR)$(BASHCOMPDIR)/smtpfix
	install -D -m 0644 completion/_smtpfix $(DESTDIR)$(ZSHCOMPDIR)/_smtpfix
	cd help && find . -type f | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(DATADIR)/help/$$f"; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smtpfix $(DESTDIR)$(MANDIR)/man1/smtpfix.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/smtpfix $(DESTDIR)$(ZSHCOMPDIR)/_smtpfix
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-san build-fuzz build-static smtpfix

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
