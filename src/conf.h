/*
 * conf.h: the configuration file parser.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdio.h>

#include "capsuled.h"

/* Defaults for everything; no hosts. */
void	conf_init(struct conf *);

/*
 * Parse buf[0..len) (name is used in error messages) into *conf, which
 * conf_init() prepared and command-line flags may already have set.
 * Returns 0, or -1 with "name:line: problem" in errbuf; *conf may then
 * be partly filled, so conf_free() it either way.  The one impurity:
 * "include" calls conf_load() on a path relative to name's directory.
 */
int	conf_parse(const char *buf, size_t len, const char *name,
	    struct conf *, char *errbuf, size_t errbufsize);

/* Read file path and conf_parse() it. 0 or -1 with the error in errbuf. */
int	conf_load(const char *path, struct conf *, char *errbuf,
	    size_t errbufsize);

/* After parsing and flags: add the default host when there is none,
 * fill derived values (public ports, cert paths).  0 or -1 + errbuf. */
int	conf_finish(struct conf *, char *errbuf, size_t errbufsize);

/* Write *conf back in normal form (capsuled -nn). */
void	conf_print(const struct conf *, FILE *);

/* Free what the parser allocated (fingerprint lists). */
void	conf_free(struct conf *);

#endif
