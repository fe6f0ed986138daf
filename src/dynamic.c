/*
 * dynamic.c: a worker's requests to the program runner (see dynamic.h
 * and runmsg.h).
 *
 * A request goes out as one datagram (send(), which the worker's
 * seccomp filter allows) and its answer comes in through the loop:
 * recvmmsg(), also allowed already, takes every answer waiting with
 * the descriptor each carries (SCM_RIGHTS), so the filter gains no
 * system call for dynamic content.  The runner has checked the reply's
 * header line; this side only moves bytes: the answer's first bytes go
 * into the reply, and its descriptor becomes the reply's stream, which
 * conn.c reads with back-pressure like any other.  FastCGI records are
 * decoded here, in place, by the stream's filter (fcgi.h): a relay in
 * the runner would cost a copy and two context switches per chunk.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "dynamic.h"
#include "fcgi.h"
#include "log.h"
#include "reply.h"
#include "runmsg.h"
#include "tls.h"
#include "url.h"

#define DYNAMIC_BATCH		8	/* answers read per call */
#define DYNAMIC_GRACE_MS	3000	/* past cgi-timeout, for the runner */
#define DYNAMIC_BUSY		"5"	/* 44: seconds to wait */
#define DYNAMIC_STDERR_LINES	20	/* a backend's stderr logged */

struct dynamic_req {
	uint64_t		 id;
	struct reply		*r;		/* while pending */
	int			 kind;		/* CONF_DYN_* */
	long long		 deadline_ms;	/* while pending */
	struct fcgi_reader	 fcgi;		/* a FastCGI stream's place */
	const char		*backend;	/* for logs */
	int			 stderr_lines;	/* of it logged */
	TAILQ_ENTRY(dynamic_req) entry;
};

static TAILQ_HEAD(, dynamic_req) dynamic_pending =
    TAILQ_HEAD_INITIALIZER(dynamic_pending);
static int			 dynamic_fd = -1;
static int			 dynamic_n;	/* pending and streaming */
static uint64_t			 dynamic_next_id;
static struct loop		*dynamic_loop;
static struct loop_ev		 dynamic_ev;
static const struct conf	*dynamic_conf;

static void	dynamic_read(int, int, void *);

void
dynamic_attach(int fd)
{
	unsigned char	buf[RUNMSG_MAX];

	dynamic_fd = fd;
	if (fd == -1)
		return;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	/* A worker in the same slot before us may have asked too. */
	if (RAND_bytes((unsigned char *)&dynamic_next_id,
	    sizeof(dynamic_next_id)) != 1)
		dynamic_next_id = (uint64_t)getpid() << 32;
}

void
dynamic_setup(struct loop *loop, const struct conf *conf)
{
	dynamic_loop = loop;
	dynamic_conf = conf;
	if (dynamic_fd != -1 && loop_add(loop, &dynamic_ev, dynamic_fd,
	    LOOP_READ, dynamic_read, NULL) == -1) {
		log_warn("program runner socket");
		close(dynamic_fd);
		dynamic_fd = -1;
	}
}

int
dynamic_count(void)
{
	return dynamic_n;
}

/* The runner may still hold something of request id: let it go. */
static void
dynamic_send_end(uint64_t id)
{
	unsigned char	buf[RUNMSG_HEADER];
	struct runmsg	m;
	size_t		len;

	if (dynamic_fd == -1)
		return;
	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_END;
	m.id = id;
	if ((len = runmsg_encode(buf, sizeof(buf), &m)) > 0)
		(void)send(dynamic_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
dynamic_free(struct dynamic_req *q)
{
	if (q->r != NULL)
		TAILQ_REMOVE(&dynamic_pending, q, entry);
	dynamic_n--;
	free(q);
}

/* The connection went while its answer was pending (reply_pending()). */
static void
dynamic_cancel(void *arg)
{
	struct dynamic_req	*q = arg;

	dynamic_send_end(q->id);
	dynamic_free(q);
}

/* A stream's end (EOF, the filter's, or the connection's). */
static void
dynamic_end(void *arg)
{
	struct dynamic_req	*q = arg;

	/* A program's process group or a proxy relay may outlive its
	 * output; a backend's connection ends with our descriptor. */
	if (q->kind == CONF_DYN_CGI || q->kind == CONF_DYN_PROXY)
		dynamic_send_end(q->id);
	dynamic_free(q);
}

/* FastCGI stderr goes to the log, a line at a time. */
static void
dynamic_stderr(void *arg, const char *p, size_t n)
{
	struct dynamic_req	*q = arg;
	const char		*nl;
	size_t			 len;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		/* A backend's stderr is for its owner's eyes, a few lines a
		 * request: a flood must not fill the disk. */
		if (len > 0 && q->stderr_lines < DYNAMIC_STDERR_LINES)
			log_warnx("fastcgi %s: %.*s", q->backend, (int)len, p);
		if (len > 0 && ++q->stderr_lines == DYNAMIC_STDERR_LINES)
			log_warnx("fastcgi %s: further stderr of this request "
			    "not logged", q->backend);
		len += nl != NULL;
		p += len;
		n -= len;
	}
}

static int
dynamic_filter(void *arg, char *p, size_t *n)
{
	struct dynamic_req	*q = arg;
	const char		*errstr = NULL;
	int			 rc;

	rc = fcgi_decode(&q->fcgi, p, n, dynamic_stderr, q, &errstr);
	if (rc == -1)
		log_warnx("fastcgi %s: %s: reply cut short", q->backend,
		    errstr);
	return rc;
}

/*
 * The answer's first bytes into r (decoded, for FastCGI).  1 when the
 * reply is whole already (the stream, if any, is not needed), 0 when
 * its stream carries the rest.
 */
static int
dynamic_first(struct dynamic_req *q, const struct runmsg *m,
    struct reply *r)
{
	const char	*errstr = NULL;
	size_t		 n = m->bodylen;
	int		 rc;

	if (reply_append(r, m->body, m->bodylen) == -1)
		return -1;
	if (!(m->flags & RUNMSG_FASTCGI))
		return !(m->flags & RUNMSG_STREAM);
	r->out.len -= n;
	rc = fcgi_decode(&q->fcgi, r->out.data + r->out.len, &n,
	    dynamic_stderr, q, &errstr);
	r->out.len += n;
	if (rc == -1)
		log_warnx("fastcgi %s: %s: reply cut short", q->backend,
		    errstr);
	return rc != 0 || !(m->flags & RUNMSG_STREAM);
}

/* The runner's answer to q (fd: the rest of it, or -1). */
static void
dynamic_answer(struct dynamic_req *q, const struct runmsg *m, int fd)
{
	struct reply	*r = q->r;
	int		 whole;

	TAILQ_REMOVE(&dynamic_pending, q, entry);
	q->r = NULL;
	reply_settle(r);
	buf_reset(&r->out);
	r->status = m->status;
	if ((whole = dynamic_first(q, m, r)) == -1) {
		reply_header(r, 40, "out of memory");
		whole = 1;
	}
	if (whole || fd == -1) {
		if (fd != -1)
			close(fd);
		q->r = NULL;
		dynamic_n--;
		free(q);
	} else {
		reply_stream(r, fd);
		if (m->flags & RUNMSG_FASTCGI)
			reply_filter(r, dynamic_filter, q);
		reply_on_end(r, dynamic_end, q);
	}
	reply_ready(r);
}

/* No answer will come for q: say why. */
static void
dynamic_fail(struct dynamic_req *q, int status, const char *meta)
{
	struct reply	*r = q->r;

	reply_settle(r);
	reply_header(r, status, meta);
	dynamic_free(q);
	reply_ready(r);
}

static void
dynamic_fail_all(const char *why)
{
	struct dynamic_req	*q;

	if (!TAILQ_EMPTY(&dynamic_pending))
		log_warnx("dynamic requests answered 42: %s", why);
	while ((q = TAILQ_FIRST(&dynamic_pending)) != NULL)
		dynamic_fail(q, 42, "program runner restarted");
}

/* One datagram from the runner (fd: the descriptor it carried). */
static void
dynamic_dispatch(const unsigned char *buf, size_t len, int fd)
{
	struct dynamic_req	*q;
	struct runmsg		 m;
	const char		*errstr = "truncated";

	if (runmsg_parse(buf, len, &m, &errstr) != (ssize_t)len ||
	    (m.type != RUNMSG_ANSWER && m.type != RUNMSG_HELLO)) {
		log_warnx("program runner: bad message ignored: %s",
		    m.type == RUNMSG_ANSWER || m.type == RUNMSG_HELLO ?
		    errstr : "not an answer");
		if (fd != -1)
			close(fd);
		return;
	}
	if (m.type == RUNMSG_HELLO) {
		if (fd != -1)
			close(fd);
		dynamic_fail_all("the program runner restarted");
		return;
	}
	TAILQ_FOREACH(q, &dynamic_pending, entry)
		if (q->id == m.id)
			break;
	if (q == NULL) {
		/* Cancelled or timed out meanwhile: let it go. */
		if (fd != -1)
			close(fd);
		dynamic_send_end(m.id);
		return;
	}
	dynamic_answer(q, &m, (m.flags & RUNMSG_STREAM) ? fd : -1);
	if (fd != -1 && !(m.flags & RUNMSG_STREAM))
		close(fd);
}

static void
dynamic_lost(const char *why)
{
	log_warnx("program runner: %s", why);
	loop_del(dynamic_loop, &dynamic_ev);
	close(dynamic_fd);
	dynamic_fd = -1;
	dynamic_fail_all(why);
}

/* The descriptor a datagram carried, or -1. */
static int
dynamic_passed(struct msghdr *h)
{
	struct cmsghdr	*c;
	int		 fd = -1;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Answers: every one waiting, with its descriptor, in one recvmmsg(). */
static void
dynamic_read(int fd, int events, void *arg)
{
	static unsigned char	buf[DYNAMIC_BATCH][RUNMSG_MAX];
	static union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			cm[DYNAMIC_BATCH];
	struct mmsghdr		msgs[DYNAMIC_BATCH];
	struct iovec		iov[DYNAMIC_BATCH];
	int			i, n, passed;

	(void)events;
	(void)arg;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < DYNAMIC_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_control = cm[i].buf;
		msgs[i].msg_hdr.msg_controllen = sizeof(cm[i].buf);
	}
	n = recvmmsg(fd, msgs, DYNAMIC_BATCH, MSG_DONTWAIT | MSG_CMSG_CLOEXEC,
	    NULL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	for (i = 0; i < n && dynamic_fd == fd; i++) {
		passed = dynamic_passed(&msgs[i].msg_hdr);
		if (msgs[i].msg_len == 0 && passed == -1)
			break;		/* end of file */
		dynamic_dispatch(buf[i], (msgs[i].msg_hdr.msg_flags &
		    (MSG_TRUNC | MSG_CTRUNC)) ? 0 : msgs[i].msg_len, passed);
	}
	if (dynamic_fd == fd && (n <= 0 || i < n))
		dynamic_lost(n == -1 ? strerror(errno) : "socket closed");
}

void
dynamic_sweep(long long now)
{
	struct dynamic_req	*q;

	/* One timeout for all: the list is in deadline order. */
	while ((q = TAILQ_FIRST(&dynamic_pending)) != NULL &&
	    q->deadline_ms <= now) {
		log_warnx("%s: no answer from the program runner in time",
		    q->backend);
		dynamic_send_end(q->id);
		dynamic_fail(q, 42, "no answer in time");
	}
}

/* The request's strings, for the runner (runmsg.h). */
static void
dynamic_fields(const struct request_ctx *ctx, const char *url,
    const struct url *u, const struct tls_info *ti, struct runmsg *m)
{
	int	cert = ctx->cert == REQUEST_CERT_OK;

	m->field[RUNMSG_URL] = url;
	m->field[RUNMSG_PATH] = u->path;
	m->field[RUNMSG_QUERY] = u->has_query ? u->query : "";
	m->field[RUNMSG_HOST] = u->host;
	m->field[RUNMSG_ADDR] = ctx->addr;
	m->field[RUNMSG_TLS_VERSION] = ti->version;
	m->field[RUNMSG_TLS_CIPHER] = ti->cipher;
	m->field[RUNMSG_CERT_HASH] = cert ? ctx->fingerprint : "";
	m->field[RUNMSG_CERT_SUBJECT] = cert ? ti->subject : "";
	m->field[RUNMSG_CERT_CN] = cert ? ti->cn : "";
	m->field[RUNMSG_CERT_NOT_BEFORE] = cert ? ti->not_before : "";
	m->field[RUNMSG_CERT_NOT_AFTER] = cert ? ti->not_after : "";
	m->field[RUNMSG_CERT_SERIAL] = cert ? ti->serial : "";
}

/* Send the request; 0, or -1 with errno. */
static int
dynamic_send(const struct request_ctx *ctx, const struct conf_host *h,
    const struct conf_location *loc, const char *url, const struct url *u,
    uint64_t id)
{
	static unsigned char	 buf[RUNMSG_HEADER + RUNMSG_REQUEST_MAX];
	struct tls_info		 ti;
	struct runmsg		 m;
	size_t			 len;

	memset(&m, 0, sizeof(m));
	m.type = RUNMSG_REQUEST;
	m.host = (uint16_t)(h - ctx->conf->hosts);
	m.loc = (uint16_t)(loc - h->locations);
	m.id = id;
	tls_info(ctx->ssl, &ti);
	dynamic_fields(ctx, url, u, &ti, &m);
	if ((len = runmsg_encode(buf, sizeof(buf), &m)) == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	if (send(dynamic_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)len)
		return -1;
	return 0;
}

void
dynamic_start(const struct request_ctx *ctx, const struct conf_host *h,
    const struct conf_location *loc, const char *url, size_t urllen,
    const struct url *u, struct reply *r)
{
	const struct conf	*conf = ctx->conf;
	struct dynamic_req	*q;
	char			 line[URL_MAX + 1];
	int			 cap;

	cap = conf->max_programs_worker > 0 ? conf->max_programs_worker :
	    conf->max_programs;
	if (dynamic_fd == -1) {
		reply_header(r, 42, "no program runner");
		return;
	}
	if (dynamic_n >= cap) {
		log_warnx("%s: max-programs-per-worker (%d) reached",
		    loc->pattern, cap);
		reply_header(r, 44, DYNAMIC_BUSY);
		return;
	}
	if (urllen > URL_MAX || (q = calloc(1, sizeof(*q))) == NULL) {
		reply_header(r, urllen > URL_MAX ? 59 : 44, urllen > URL_MAX ?
		    "request too long" : DYNAMIC_BUSY);
		return;
	}
	memcpy(line, url, urllen);
	line[urllen] = '\0';
	q->id = dynamic_next_id++;
	q->kind = loc->dynamic;
	q->backend = loc->dynamic == CONF_DYN_CGI ? loc->pattern : loc->backend;
	if (dynamic_send(ctx, h, loc, line, u, q->id) == -1) {
		log_warnx("%s: cannot ask the program runner: %s", q->backend,
		    strerror(errno));
		reply_header(r, errno == EAGAIN ? 44 : 42, errno == EAGAIN ?
		    DYNAMIC_BUSY : "no program runner");
		free(q);
		return;
	}
	q->r = r;
	q->deadline_ms = ctx->now_ms + (long long)conf->cgi_timeout * 1000 +
	    DYNAMIC_GRACE_MS;
	TAILQ_INSERT_TAIL(&dynamic_pending, q, entry);
	dynamic_n++;
	/* What the log says if the client leaves before the answer. */
	r->status = 42;
	reply_pending(r, dynamic_cancel, q);
}
