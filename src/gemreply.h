/*
 * gemreply.h: the header line of a Gemini reply as a program or a
 * backend writes it.  Pure (picohttpparser's contract): the program
 * runner checks every dynamic reply with it before a byte of it
 * reaches a client, so a broken script answers 42, not garbage.
 */
#ifndef GEMREPLY_H
#define GEMREPLY_H

#include <stddef.h>
#include <sys/types.h>

#define GEMREPLY_META_MAX	1024	/* Gemini spec sect. 3.2 */
#define GEMREPLY_LINE_MAX	(2 + 1 + GEMREPLY_META_MAX + 2)

/*
 * header = status SP meta CRLF		(Gemini spec v0.24, sect. 3.2)
 * status = %x31-36 DIGIT		(10 to 69)
 * meta   = *1024( UTF-8 without control characters )
 *
 * Parse buf[0..len): returns the header's length, CRLF included; 0
 * when more bytes are needed; -1 when invalid, with a static reason in
 * *errstr.  What the bytes so far already prove wrong (a third byte
 * that is not a space, a control byte, a bare LF, more than 1024 bytes
 * of meta) is reported at once, so a program cannot hold the reply by
 * trickling a bad line.  *status gets the status of a valid header.
 */
ssize_t	gemreply_parse(const char *buf, size_t len, int *status,
	    const char **errstr);

#endif
