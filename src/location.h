/*
 * location.h: per-path settings inside a server block.
 */
#ifndef LOCATION_H
#define LOCATION_H

#include <stddef.h>

#include "capsuled.h"

/* Pure: the first location whose pattern matches path (fnmatch(3),
 * '*' crossing '/'), or NULL.  First match wins. */
const struct conf_location *location_match(const struct conf_host *,
		    const char *path);

/*
 * Pure: expand a redirect target or block message, replacing "%p" with
 * path and "%%" with '%'.  Returns 0, or -1 when dst is too small.
 */
int		 location_expand(const char *tmpl, const char *path,
		    char *dst, size_t dstsize);

/* Pure: the MIME override of loc for name's extension, or NULL. */
const char	*location_mime(const struct conf_location *, const char *name);

/* 1 when fpr (64 lower-case hex) is on loc's allow-list. */
int		 location_allows(const struct conf_location *,
		    const char *fpr);

/*
 * Pure: the length of the pattern's literal start, before its first
 * fnmatch(3) special character ('*', '?', '[', '\\'): "/app/<star>"
 * -> 5, "/app" -> 4, "<star>" -> 0.  Where a backend is "mounted" (SCRIPT_NAME).
 */
size_t		 location_literal(const char *pattern);

/*
 * Pure: the length of the directory the pattern's literal start lies
 * in, up to and including its last '/': "/cgi-bin/<star>" -> 9
 * ("/cgi-bin/"), "/cgi-bin/a<star>.cgi" -> 9, "<star>" -> 0.  Where a cgi location's programs
 * are looked for.
 */
size_t		 location_dir(const char *pattern);

#endif
