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

/* 1 when fpr is on loc's list of who may upload (titan-fingerprint). */
int		 location_titan_allows(const struct conf_location *,
		    const char *fpr);

/*
 * Pure: the length of the pattern's literal start, before its first
 * fnmatch(3) special character (a star, '?', '[', a backslash): 5 for
 * "/app/" and a star, 4 for "/app", 0 for a star alone.  Where a
 * backend is mounted (its SCRIPT_NAME).
 */
size_t		 location_literal(const char *pattern);

/*
 * Pure: the directory beneath which every path a pattern matches lies:
 * the pattern up to the last '/' before its first wildcard (a star,
 * '?', '[' or a backslash), so "/posts/" followed by a star gives
 * "/posts/", "/a/b.gmi" gives "/a/", and a pattern that starts with a
 * star gives "/" (the root: a star crosses '/').  What the sandbox
 * lets a worker write beneath, and where a cgi location's programs are
 * looked for.  0, or -1 when dst is too small.
 */
int		 location_dir(const char *pattern, char *dst, size_t dstsize);

#endif
