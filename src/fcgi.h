/*
 * fcgi.h: the FastCGI records of one request (FastCGI spec 1.0), pure:
 * the program runner writes a request with fcgi_request(), and the
 * reply's records are read with fcgi_read(), a parser that keeps its
 * place between calls (records arrive in any pieces), so that a worker
 * can decode them as they stream and the runner can find the header
 * line in the first of them.
 *
 * One request per connection, with id 1 and role FCGI_RESPONDER, and
 * the backend closes the connection after it (no FCGI_KEEP_CONN): a
 * connection costs the backend little, and keeping one would mean
 * sharing it between workers.
 */
#ifndef FCGI_H
#define FCGI_H

#include <stddef.h>
#include <sys/types.h>

#define FCGI_HEADER_LEN		8
#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_RESPONDER		1
#define FCGI_REQUEST_ID		1

struct buf;
struct cgienv;

/*
 * Append the records of a request: FCGI_BEGIN_REQUEST, the variables
 * of env as FCGI_PARAMS name-value pairs (sect. 3.4) in records of at
 * most 65535 bytes, an empty FCGI_PARAMS, an empty FCGI_STDIN (a
 * Gemini request has no body).  0, or -1 (memory).
 */
int	fcgi_request(struct buf *, const struct cgienv *);

/* Where a reader is in the record stream. */
struct fcgi_reader {
	unsigned char	hdr[FCGI_HEADER_LEN];
	size_t		hdrlen;		/* of the header read so far */
	int		type;		/* of the record whose body is read */
	size_t		content;	/* its content bytes left */
	size_t		padding;	/* then its padding bytes */
	int		ended;		/* FCGI_END_REQUEST has come */
};

/* What fcgi_read() consumed. */
enum fcgi_piece {
	FCGI_PIECE_NONE,	/* a header, padding, or nothing */
	FCGI_PIECE_OUT,		/* FCGI_STDOUT content at *data */
	FCGI_PIECE_ERR,		/* FCGI_STDERR content at *data */
	FCGI_PIECE_END		/* FCGI_END_REQUEST: the reply is whole */
};

/*
 * Read the next piece of the stream from in[0..len): returns the bytes
 * consumed (at least one when len > 0; 0 when len is 0), with *piece
 * saying what they were and, for content, *data (into in) and *datalen;
 * or -1 when invalid, with a static reason in *errstr: a version other
 * than 1, a request id other than ours, a record type a responder's
 * reply does not have, bytes after FCGI_END_REQUEST.  r starts zeroed.
 */
ssize_t	fcgi_read(struct fcgi_reader *r, const char *in, size_t len,
	    enum fcgi_piece *piece, const char **data, size_t *datalen,
	    const char **errstr);

/*
 * Decode buf[0..*len) in place: it becomes the FCGI_STDOUT bytes the
 * records carry (*len shrinks); FCGI_STDERR bytes are handed to
 * err(arg, bytes, n) when err is not NULL.  Returns 1 once
 * FCGI_END_REQUEST has come (what follows it is dropped), 0 while more
 * may come, -1 when invalid (errstr).
 */
int	fcgi_decode(struct fcgi_reader *r, char *buf, size_t *len,
	    void (*err)(void *, const char *, size_t), void *arg,
	    const char **errstr);

#endif
