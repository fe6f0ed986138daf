/*
 * mime.h: the MIME type of a file: a built-in extension table first,
 * libmagic on the open file for anything else.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

/* Pure: type for a file name from its extension (case-insensitive),
 * e.g. "text/gemini" for .gmi/.gemini; NULL when unknown. */
const char	*mime_from_name(const char *name);

/* Load the magic database; call before the sandbox.  0 or -1. */
int		 mime_init(void);
void		 mime_free(void);

/*
 * Type of the open file fd by libmagic, as "type/subtype" plus
 * "; charset=X" for text types that are not UTF-8/ASCII, into buf.
 * Falls back to application/octet-stream.  Returns buf.
 */
const char	*mime_from_fd(int fd, char *buf, size_t bufsize);

#endif
