/*
 * dirindex.h: automatic directory listings in gemtext.
 */
#ifndef DIRINDEX_H
#define DIRINDEX_H

#include <stddef.h>

#include "buf.h"

struct dirindex_entry {
	const char	*name;
	int		 is_dir;
};

/*
 * Pure: write a listing of path (the directory's URL path, shown in the
 * heading) with one link line per entry: sorted by name, directories
 * with a trailing '/', dot-files skipped, names percent-encoded in the
 * URL and with CR/LF/control bytes replaced in the label.  Sorts
 * entries in place.  Returns 0, or -1 when memory runs out.
 */
int	dirindex_write(const char *path, struct dirindex_entry *, size_t n,
	    struct buf *out);

/* Read directory dirfd (not consumed) and write its listing. 0 or -1. */
int	dirindex_scan(int dirfd, const char *path, struct buf *out);

#endif
