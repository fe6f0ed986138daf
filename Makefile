# capsuled: a Gemini and Gopher capsule server.
# `make` builds ./capsuled; `make run` serves capsule/; `make check` tests.

CC	?= cc
PKG_CONFIG ?= pkg-config
PREFIX	?= /usr/local
DESTDIR	?=
PKGS	 = openssl libmagic
# The version has one home, debian/changelog (dpkg reads it from there);
# `capsuled -V` prints it.  Its first line is "capsuled (VERSION) dist;
# ...", a format Debian policy fixes, so sed reads it and a plain `make`
# needs no dpkg-dev.  scripts/check-deb.sh compares it with
# dpkg-parsechangelog.
VERSION	:= $(shell sed -n '1{s/^[^ ]* (//;s/).*//;p;q;}' debian/changelog)
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif
# ARCH: the Debian architecture `make deb` builds for (empty: this one).
ARCH	?=
WARN	 = -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith -Wformat=2 -Wvla
CFLAGS	?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(WARN) \
	   $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
	   -DCAPSULED_VERSION=\"$(VERSION)\"
LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
# Each object lists the headers it includes (build/**/*.d), so touching
# a header rebuilds just the files that use it.
DEPFLAGS = -MMD -MP
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all

SRCS	:= $(wildcard src/*.c)
LIBSRCS	:= $(filter-out src/main.c,$(SRCS))
OBJS	:= $(SRCS:src/%.c=build/%.o)
LIBOBJS	:= $(LIBSRCS:src/%.c=build/%.o)
SANOBJS	:= $(LIBSRCS:src/%.c=build/asan/%.o)
UNITSRC	:= $(wildcard tests/unit/test_*.c)
UNITBIN	:= $(UNITSRC:tests/unit/%.c=build/asan/%)
FUZZCC	?= clang
FUZZFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined
FUZZOBJS := $(LIBSRCS:src/%.c=build/fuzz/%.o)
FUZZSRC	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZBIN	:= $(FUZZSRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all run check unit deps certs bench bench-peers clean install print-warn \
	print-version fuzz fuzz-build stress deb

all: capsuled

capsuled: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/%.o: src/%.c | build
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# main.c prints the version.
build/main.o build/asan/main.o: debian/changelog

build/asan/%.o: src/%.c | build/asan
	$(CC) $(CFLAGS) $(SANFLAGS) $(DEPFLAGS) -c -o $@ $<

build/asan/capsuled: build/asan/main.o $(SANOBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

build/asan/test_%: tests/unit/test_%.c $(SANOBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) $(DEPFLAGS) -Isrc -o $@ $< $(SANOBJS) \
	    $(LDLIBS)

build/fuzz/%.o: src/%.c | build/fuzz
	$(FUZZCC) $(FUZZFLAGS) $(DEPFLAGS) \
	    $(shell pkg-config --cflags $(PKGS)) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZOBJS)
	$(FUZZCC) $(FUZZFLAGS) $(DEPFLAGS) -fsanitize=fuzzer -Isrc -o $@ $< \
	    $(FUZZOBJS) $(LDLIBS)

build build/asan build/fuzz:
	mkdir -p $@

-include $(wildcard build/*.d build/asan/*.d build/fuzz/*.d)

# Installs missing Debian packages when run as root; names them otherwise.
deps:
	@sh scripts/deps.sh build

run: deps capsuled
	./capsuled -r capsule -g 7070

certs: capsuled
	./capsuled -n -r capsule

unit: $(UNITBIN)
	@sh scripts/run-unit.sh $(UNITBIN)

check:
	@sh scripts/deps.sh check
	@$(MAKE) --no-print-directory capsuled build/asan/capsuled $(UNITBIN) \
	    fuzz-build
	@sh scripts/check.sh $(UNITBIN)

# The warning flags, for scripts that compile the sources another way
# (scripts/check-cross.sh builds them for aarch64).
print-warn:
	@echo $(WARN)

# The version, from debian/changelog (scripts/check-deb.sh compares).
print-version:
	@echo $(VERSION)

# Keep the instrumented objects between runs (make would delete them as
# intermediates of the harness rule).
.SECONDARY: $(FUZZOBJS)

fuzz-build: $(FUZZBIN)

# Each harness for FUZZ_SECONDS, from its committed seed corpus.
fuzz:
	@sh scripts/deps.sh check
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh $(FUZZBIN)

stress: capsuled
	@sh scripts/deps.sh check
	@bash scripts/stress.sh

bench: capsuled
	@sh scripts/deps.sh check
	@bash tests/bench/bench.sh

bench-peers: capsuled
	@sh scripts/deps.sh peers
	@bash tests/bench/bench-peers.sh

# build/deb/capsuled_VERSION_ARCH.deb; ARCH=arm64 cross-builds it.
deb:
	@sh scripts/deps.sh deb $(ARCH)
	@sh scripts/build-deb.sh $(ARCH)

install: capsuled
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/doc/capsuled
	install -m 755 capsuled $(DESTDIR)$(PREFIX)/sbin/capsuled
	install -m 644 man/capsuled.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/capsuled.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 capsuled.conf.example contrib/capsuled.service \
	    $(DESTDIR)$(PREFIX)/share/doc/capsuled/

clean:
	rm -rf build capsuled
