# capsuled: a Gemini and Gopher capsule server.
# `make` builds ./capsuled; `make run` serves capsule/; `make check` tests.

CC	?= cc
PREFIX	?= /usr/local
DESTDIR	?=
PKGS	 = openssl libmagic
WARN	 = -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes -Wpointer-arith -Wformat=2 -Wvla
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(WARN) $(shell pkg-config --cflags $(PKGS))
LDLIBS	+= $(shell pkg-config --libs $(PKGS)) -lm
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all

SRCS	:= $(wildcard src/*.c)
LIBSRCS	:= $(filter-out src/main.c,$(SRCS))
OBJS	:= $(SRCS:src/%.c=build/%.o)
LIBOBJS	:= $(LIBSRCS:src/%.c=build/%.o)
SANOBJS	:= $(LIBSRCS:src/%.c=build/asan/%.o)
UNITSRC	:= $(wildcard tests/unit/test_*.c)
UNITBIN	:= $(UNITSRC:tests/unit/%.c=build/asan/%)

.PHONY: all run check unit integration deps certs bench clean install fuzz

all: capsuled

capsuled: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/%.o: src/%.c $(wildcard src/*.h) | build
	$(CC) $(CFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c $(wildcard src/*.h) | build/asan
	$(CC) $(CFLAGS) $(SANFLAGS) -c -o $@ $<

build/asan/capsuled: build/asan/main.o $(SANOBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

build/asan/test_%: tests/unit/test_%.c tests/unit/test.h $(SANOBJS)
	$(CC) $(CFLAGS) $(SANFLAGS) -Isrc -o $@ $< $(SANOBJS) $(LDLIBS)

build build/asan:
	mkdir -p $@

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
	@$(MAKE) --no-print-directory capsuled build/asan/capsuled $(UNITBIN)
	@sh scripts/check.sh $(UNITBIN)

clean:
	rm -rf build capsuled
