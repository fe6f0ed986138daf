/*
 * reply.h: the seam between the connection and the responders.
 *
 * conn.c reads request bytes and hands them, with a struct request_ctx
 * that says who is asking, to a front end's responder (gemini_respond,
 * gopher_respond).  The responder decides everything about the answer
 * and describes it in a struct reply: the bytes to send first (a Gemini
 * header, a generated menu or listing) and then at most one body
 * source.  conn.c moves those bytes, with back-pressure, and never
 * looks inside them.  Responders never see a struct conn.
 */
#ifndef REPLY_H
#define REPLY_H

#include <sys/types.h>

#include "buf.h"

struct conf;
struct ratelimit;
struct ssl_st;

/* The client certificate, as the handshake left it. */
enum request_cert {
	REQUEST_CERT_NONE,	/* none sent (or not asked for) */
	REQUEST_CERT_OK,	/* fingerprint holds its SHA-256 */
	REQUEST_CERT_INVALID	/* expired, not yet valid, or unreadable */
};

/*
 * Who is asking, and through what.  Filled by conn.c; read-only to the
 * responders.  Everything a responder needs from the worker comes in
 * here: it never calls up into worker.c or conn.c.
 */
struct request_ctx {
	const struct conf	*conf;
	struct ratelimit	*ratelimit;	/* this worker's buckets */
	long long		 now_ms;	/* monotonic clock */
	int			 fd;		/* the client socket (our
						   address: listen_local_addr) */
	const char		*addr;		/* the client, after PROXY */
	const char		*sni;		/* "" when none was sent */
	int			 sni_host;	/* its conf->hosts index, -1 */
	enum request_cert	 cert;
	const char		*fingerprint;	/* 64 hex, or "" */
	struct ssl_st		*ssl;		/* NULL in the clear: what
						   tls_info() tells programs */
};

/* What follows the bytes in reply.out. */
enum reply_source {
	REPLY_MEMORY,		/* nothing: out is the whole answer */
	REPLY_BORROWED,		/* memory someone else keeps (a cached view),
				   sent without a copy, then released */
	REPLY_FILE,		/* size bytes of the regular file fd */
	REPLY_STREAM,		/* the non-blocking fd (a pipe, a socket),
				   read until EOF */
	REPLY_PENDING		/* not known yet: see reply_pending() */
};

struct reply;

/*
 * A request body to receive before the answer (a Titan upload).  The
 * responder, having checked the request line, opens where the bytes go
 * and calls reply_sink().  conn.c then reads exactly size more bytes
 * from the client (first those that came after the request line) and
 * writes them to fd in order; it reads the client only once fd has
 * taken what came before, so a sink that is full (a pipe) stops the
 * client, while a regular file never is.  The request timeout applies,
 * pushed back by every CONN_CHUNK bytes received (as the write timeout
 * is by bytes sent).  Nothing is sent meanwhile.  Then one hook is
 * called, once:
 *
 *   commit(r, arg)	all size bytes are in fd: make them count
 *			(fsync, rename) and fill in r, the answer;
 *   abort(r, arg, err)	they are not, and never will be: the client
 *			closed (err ECONNRESET), stalled past the
 *			timeout (ETIMEDOUT), the connection is torn down
 *			(ECANCELED), or writing to fd failed (its errno).
 *			Undo, so that nothing half-written remains, and
 *			fill in r: an answer, which conn.c sends if the
 *			client can still hear it, or only the status the
 *			access log shows.
 *
 * From the call on, the hook owns fd and arg (closes, frees); r->out is
 * empty when it is called.
 */
struct reply_sink {
	int	  fd;		/* -1: no body expected */
	off_t	  size;		/* bytes to receive */
	void	(*commit)(struct reply *, void *arg);
	void	(*abort)(struct reply *, void *arg, int err);
	void	 *arg;
};

/*
 * A responder's answer.  status is a Gemini status code in both
 * protocols: it is what the access log shows (a Gopher "not found" is
 * logged as 51), never sent by conn.c.  The fd of a FILE or STREAM
 * source is owned by the reply from reply_file()/reply_stream() on.
 */
struct reply {
	int			 status;
	size_t			 reqlen;	/* request bytes it answers */
	struct buf		 out;		/* sent first */
	enum reply_source	 source;
	int			 fd;		/* -1 for REPLY_MEMORY */
	off_t			 size;		/* REPLY_FILE: bytes to send */
	struct reply_sink	 sink;		/* a body to read first */
	/*
	 * The client may still be sending (the body of an upload refused
	 * before it was read): closing a socket with unread input makes
	 * the kernel send a reset, which can destroy the answer in
	 * flight.  So after the answer and close_notify, conn.c shuts
	 * down writing and reads and drops what comes, until the client
	 * closes or CONN_LINGER_MS or CONN_LINGER_MAX bytes have passed.
	 */
	int			 linger;
	/* Request bytes [hide_off, hide_off + hide_len) the access log
	 * must not show (a Titan token): it writes "***" instead. */
	size_t			 hide_off;
	size_t			 hide_len;
	const char		*borrowed;	/* REPLY_BORROWED: the bytes */
	size_t			 borrowedlen;
	void			(*release)(void *);	/* when sent */
	void			*release_arg;
	int			(*filter)(void *, char *, size_t *);
	void			*filter_arg;	/* REPLY_STREAM: reply_filter() */
	void			(*ready)(void *);	/* REPLY_PENDING: */
	void			*ready_arg;	/* reply_wait() */
};

/*
 * A front end's responder: called with every request byte read so far,
 * in[0..len).  Returns 0 when more bytes are needed (r is left
 * untouched), else 1 with r filled in, rejections included.
 */
typedef int reply_fn(const struct request_ctx *, const char *in,
    size_t len, struct reply *r);

void	reply_init(struct reply *);
/* Drop what r holds (closing its fd) and start an empty answer. */
void	reply_reset(struct reply *);
void	reply_free(struct reply *);
/* End the body source (keeping out): close its fd, or release what it
 * borrowed.  At EOF, at the end of the file, or of the connection. */
void	reply_end_source(struct reply *);
/* Append to out.  0, or -1 (memory). */
int	reply_append(struct reply *, const void *, size_t);
/* Then send size bytes of the regular file fd; r owns fd. */
void	reply_file(struct reply *, int fd, off_t size);
/* Then send what the non-blocking fd yields until EOF; r owns fd. */
void	reply_stream(struct reply *, int fd);
/* Then send p[0..len) as it is; release(arg) once it is no longer
 * needed (sent, or the connection gone). */
void	reply_borrow(struct reply *, const char *p, size_t len,
	    void (*release)(void *), void *arg);

/*
 * A source's end: call release(arg) when it ends, whatever it is (sent
 * to the end, EOF, or the connection gone), e.g. to free what a filter
 * keeps or to tell a program runner the reply is over.
 */
void	reply_on_end(struct reply *, void (*release)(void *), void *arg);

/*
 * Answers that come later, through the event loop (dynamic content: a
 * worker asks the program runner and the answer arrives on a socket).
 *
 * The responder, which cannot answer yet, calls reply_pending(): conn.c
 * then sends nothing, watches only for the client going away, and
 * waits outside its write timeout (the answer's own deadline belongs to
 * whoever will give it).  When the answer comes, that module calls
 * reply_settle() (the reply is no longer pending; cancel is not
 * called), fills the reply in as a responder would (status, out, a
 * source), and calls reply_ready(), from the loop, never from inside
 * the responder.  If the connection ends first, reply_end_source()
 * calls cancel(arg) and the answer must not be given: cancel forgets r.
 */
void	reply_pending(struct reply *, void (*cancel)(void *), void *arg);
void	reply_settle(struct reply *);
void	reply_ready(struct reply *);
/* conn.c: call cb(arg) once, when the pending reply is ready. */
void	reply_wait(struct reply *, void (*cb)(void *), void *arg);

/*
 * A stream whose bytes need decoding before they are sent (FastCGI
 * records): filter(arg, p, &n) rewrites the n bytes just read, p[0..n),
 * in place, and sets n to the bytes to send (at most n).  It returns 0
 * to go on, 1 when the body is complete (stop reading, as at EOF), -1
 * when the stream is broken (stop reading: what went out stays out).
 * Set after reply_stream(); what arg holds is freed by reply_on_end().
 */
typedef int reply_filter_fn(void *arg, char *p, size_t *n);
void	reply_filter(struct reply *, reply_filter_fn *, void *arg);
/* Receive a body first (see struct reply_sink); r->out must be empty.
 * Until a hook is called, reply_reset() and reply_free() call abort
 * (ECANCELED). */
void	reply_sink(struct reply *, int fd, off_t size,
	    void (*commit)(struct reply *, void *),
	    void (*abort)(struct reply *, void *, int), void *arg);
/* conn.c's end of a sink: commit when err is 0, else abort(err). */
void	reply_sink_end(struct reply *, int err);

#define REPLY_META_MAX	1024	/* bytes of a Gemini meta (spec sect. 3.1) */

/* "NN META\r\n" as the start of r (meta cut at REPLY_META_MAX bytes),
 * dropping whatever r held: the Gemini header, which Titan answers
 * with too.  0 or -1 (memory). */
int	reply_header(struct reply *, int status, const char *meta);

#endif
