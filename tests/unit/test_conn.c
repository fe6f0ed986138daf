/*
 * test_conn.c: the connection state machine with a stream source: a
 * responder answers from a pipe, the client is one end of a socketpair,
 * and the real event loop runs between them.  What is checked: the
 * bytes arrive whole and in order, a client that does not read stops
 * the pipe from being read (back-pressure) without the loop spinning,
 * and a client that goes away closes the stream (its writer sees EPIPE).
 * Then a reply that is pending (reply.h) until the test answers it, or
 * whose client leaves first, and a stream decoded by a filter.
 * Then the other way, a request body into a reply's sink (an upload):
 * whole and in order, a sink that does not take bytes stops the client
 * from being read, a client that stops short or stalls gets the abort
 * hook and never the commit; and a refusal's lingering close lets a
 * client still sending its body finish and read the answer.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"
#include "admit.h"
#include "conf.h"
#include "conn.h"
#include "log.h"
#include "loop.h"

#define STREAM_TOTAL	(1024 * 1024)	/* bytes the "program" writes */

static struct loop	*loop;
static struct conf	 conf;
static int		 pipe_rd, pipe_wr;	/* the stream */
static int		 client;		/* the reader */

/* A responder whose answer is a header and then the pipe. */
static int
pipe_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	(void)ctx;
	if (len < 4 || memcmp(in + len - 2, "\r\n", 2) != 0)
		return 0;
	r->status = 20;
	r->reqlen = len;
	reply_append(r, "20 text/plain\r\n", 15);
	reply_stream(r, pipe_rd);
	return 1;
}

static const struct conn_front	pipe_front = { "test", 0, pipe_respond };

/* The upload side: "up N" asks for N body bytes into the sink pipe;
 * "no" is refused at once, with a lingering close when linger is set. */
static int	sink_rd, sink_wr;	/* the sink, read by the test */
static int	commits, aborts, abort_err, linger;

/* The hooks own the sink's fd, as reply.h says: arg carries it. */
static void
sink_commit(struct reply *r, void *arg)
{
	commits++;
	close((int)(intptr_t)arg);
	reply_header(r, 30, "done");
}

static void
sink_abort(struct reply *r, void *arg, int err)
{
	aborts++;
	abort_err = err;
	close((int)(intptr_t)arg);
	reply_header(r, 59, "short");
}

static int
upload_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	const char	*crlf = memmem(in, len, "\r\n", 2);

	(void)ctx;
	if (crlf == NULL)
		return 0;
	r->reqlen = (size_t)(crlf - in) + 2;
	if (strncmp(in, "up ", 3) == 0) {
		reply_sink(r, sink_wr, atol(in + 3), sink_commit, sink_abort,
		    (void *)(intptr_t)sink_wr);
		return 1;
	}
	reply_header(r, 59, "no");
	r->linger = linger;
	return 1;
}

static const struct conn_front	upload_front = { "test", 0, upload_respond };

/* The loop under test, for a bounded number of its ticks. */
static int	batches, ticks, tick_limit;
static size_t	fed;		/* pattern bytes written to the pipe */
static int	feeding;	/* the "program" writes at every tick */

static void	feed(size_t *, size_t);

static void
count_batch(void *arg)
{
	(void)arg;
	batches++;
	conn_reap();
}

static void
count_tick(void *arg)
{
	(void)arg;
	if (feeding)
		feed(&fed, STREAM_TOTAL);
	conn_sweep(loop_now_ms());	/* as worker.c's tick does */
	if (++ticks >= tick_limit)
		loop_stop(loop);
}

static void
run_ticks(int n)
{
	ticks = 0;
	tick_limit = n;
	loop_run(loop);
}

static unsigned char
pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

/* Write pattern bytes [*off, total) to fd as far as it takes them;
 * the errno of a failed write, else 0. */
static int
write_pattern(int fd, size_t *off, size_t total)
{
	unsigned char	b[4096];
	size_t		i, n;
	ssize_t		w;

	while (*off < total) {
		n = total - *off < sizeof(b) ? total - *off : sizeof(b);
		for (i = 0; i < n; i++)
			b[i] = pattern(*off + i);
		if ((w = write(fd, b, n)) <= 0)
			return w == -1 && errno != EAGAIN ? errno : 0;
		*off += (size_t)w;
	}
	return 0;
}

/* The "program" writes into the pipe as far as it takes. */
static void
feed(size_t *off, size_t total)
{
	(void)write_pattern(pipe_wr, off, total);
}

/* One connection whose reply is the pipe; returns the client's end. */
static void
start(void)
{
	int	sv[2], p[2], small = 4096;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1 ||
	    pipe2(p, O_NONBLOCK) == -1) {
		perror("socketpair/pipe");
		exit(2);
	}
	pipe_rd = p[0];
	pipe_wr = p[1];
	/* A small socket buffer, so that the client is soon behind. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	client = sv[1];
	CHECK(conn_new(sv[0], &pipe_front, "192.0.2.9", 0) == 0,
	    "a connection is set up");
	CHECK(write(client, "go\r\n", 4) == 4, "the request is sent");
}

static void
test_backpressure_and_order(void)
{
	unsigned char	buf[65536];
	size_t		got = 0, bad = 0, i;
	ssize_t		n;
	int		pending = 0, eof = 0, rounds;

	start();
	/* The client reads nothing for 20 ticks (200 ms) while the program
	 * writes all it can. */
	feeding = 1;
	batches = 0;
	run_ticks(20);
	feeding = 0;
	CHECK(ioctl(pipe_rd, FIONREAD, &pending) == 0 && pending > 0,
	    "a client that does not read leaves the pipe unread");
	CHECK(batches < 100, "and the loop sleeps meanwhile");
	if (batches >= 100)
		fprintf(stderr, "  %d batches in 20 ticks\n", batches);
	/* Now it reads: the rest of the stream flows, then EOF. */
	n = read(client, buf, 15);
	CHECK(n == 15 && memcmp(buf, "20 text/plain\r\n", 15) == 0,
	    "the reply's own bytes come first");
	for (rounds = 0; rounds < 3000 && !eof; rounds++) {
		feed(&fed, STREAM_TOTAL);
		if (fed == STREAM_TOTAL && pipe_wr != -1) {
			close(pipe_wr);
			pipe_wr = -1;
		}
		run_ticks(1);
		while ((n = read(client, buf, sizeof(buf))) > 0) {
			for (i = 0; i < (size_t)n; i++)
				bad += buf[i] != pattern(got + i);
			got += (size_t)n;
		}
		eof = n == 0;
	}
	CHECK(eof, "the connection ends at the stream's EOF");
	CHECK(got == STREAM_TOTAL, "every byte of the stream arrives");
	CHECK(bad == 0, "in order and unchanged");
	if (got != STREAM_TOTAL || bad != 0)
		fprintf(stderr, "  got %zu of %d, %zu wrong\n", got,
		    STREAM_TOTAL, bad);
	close(client);
}

static void
test_client_goes_away(void)
{
	char	b[64];
	ssize_t	n;

	start();
	run_ticks(5);
	n = read(client, b, sizeof(b));
	CHECK(n == 15, "the header is out while the stream is silent");
	close(client);
	run_ticks(5);
	errno = 0;
	n = write(pipe_wr, "x", 1);
	CHECK(n == -1 && errno == EPIPE,
	    "the stream is closed once its client has gone");
	close(pipe_wr);
	pipe_wr = -1;
}

/* One connection to upload_front; the sink a fresh non-blocking pipe;
 * the client sends line[0..len) at once. */
static void
start_upload(const char *line, size_t len)
{
	int	sv[2], p[2], small = 4096;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1 ||
	    pipe2(p, O_NONBLOCK) == -1) {
		perror("socketpair/pipe");
		exit(2);
	}
	sink_rd = p[0];
	sink_wr = p[1];
	commits = aborts = abort_err = 0;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	client = sv[1];
	CHECK(conn_new(sv[0], &upload_front, "192.0.2.9", 0) == 0,
	    "an upload connection is set up");
	CHECK(write(client, line, len) == (ssize_t)len,
	    "its request line (and the body's first bytes) is sent");
}

/* The client sends body bytes as far as its socket takes them. */
static int
send_body(size_t *off, size_t total)
{
	return write_pattern(client, off, total);
}

/* Read what the sink pipe holds, checking it against the pattern. */
static void
drain_sink(size_t *got, size_t *bad)
{
	unsigned char	b[65536];
	ssize_t		n, i;

	while ((n = read(sink_rd, b, sizeof(b))) > 0) {
		for (i = 0; i < n; i++)
			*bad += b[i] != pattern(*got + (size_t)i);
		*got += (size_t)n;
	}
}

/* What the client reads until EOF (or nothing more in rounds ticks). */
static size_t
read_answer(char *buf, size_t size, int rounds)
{
	size_t	len = 0;
	ssize_t	n = -1;

	while (rounds-- > 0 && n != 0) {
		run_ticks(1);
		while (len < size - 1 &&
		    (n = read(client, buf + len, size - 1 - len)) > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* The client reads the answer (want) to its end; the upload is over. */
static void
finish_upload(const char *want, const char *why)
{
	char	ans[64];

	read_answer(ans, sizeof(ans), 50);
	CHECK(strcmp(ans, want) == 0, why);
	if (strcmp(ans, want) != 0)
		fprintf(stderr, "  got \"%s\"\n", ans);
	close(client);
	close(sink_rd);
}

static void
test_upload_backpressure_and_order(void)
{
	size_t	sent = 3, got = 0, bad = 0;
	int	pending = 0, rounds;

	/* The body's first three bytes come with the line. */
	start_upload("up 1048576\r\n\x00\x07\x0e", 15);
	batches = 0;
	for (rounds = 0; rounds < 20; rounds++) {
		send_body(&sent, STREAM_TOTAL);
		run_ticks(1);
	}
	CHECK(ioctl(sink_rd, FIONREAD, &pending) == 0 && pending > 0 &&
	    sent < STREAM_TOTAL, "a full sink stops the client being read");
	CHECK(batches < 100, "and the loop sleeps meanwhile");
	CHECK(commits == 0 && aborts == 0, "no hook before the end");
	for (rounds = 0; rounds < 3000 && commits == 0; rounds++) {
		send_body(&sent, STREAM_TOTAL);
		drain_sink(&got, &bad);
		run_ticks(1);
	}
	drain_sink(&got, &bad);
	CHECK(commits == 1 && aborts == 0, "all in: commit, once");
	CHECK(got == STREAM_TOTAL && bad == 0,
	    "every body byte reaches the sink, in order");
	if (got != STREAM_TOTAL || bad != 0)
		fprintf(stderr, "  got %zu, %zu wrong\n", got, bad);
	finish_upload("30 done\r\n", "then the commit's answer");
}

/*
 * The whole body already waits in the socket and its last bytes come
 * in the last read of an event: the upload must end there, for no
 * further event will come (the client has sent everything).  The sink
 * is a regular file, as for Titan: it never pushes back.
 */
static void
test_upload_last_turn(void)
{
	static char	body[16 * 65536];
	char		line[64];
	size_t		i, first, sent = 0;
	int		big = 4 << 20, rounds, file;
	ssize_t		w = 0;

	/* The line's read takes CONN_IN_MAX (1030) bytes; the rest of the
	 * body is then exactly 16 reads of 64 KB. */
	first = 1030 - (size_t)snprintf(line, sizeof(line), "up %d\r\n",
	    (int)(sizeof(body) + 1030 - 12));
	snprintf(line, sizeof(line), "up %zu\r\n", sizeof(body) + first);
	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)pattern(i);
	start_upload(line, strlen(line));
	file = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	CHECK(file != -1, "a regular file for the sink");
	/* Swap the pipe for the file before the responder runs. */
	close(sink_wr);
	sink_wr = file;
	setsockopt(client, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	CHECK(write(client, body, first) == (ssize_t)first &&
	    (w = write(client, body, sizeof(body))) > 0,
	    "the body goes out at once");
	sent = w > 0 ? (size_t)w : 0;
	for (rounds = 0; rounds < 300 && commits == 0; rounds++) {
		run_ticks(1);
		if (sent < sizeof(body) && (w = write(client, body + sent,
		    sizeof(body) - sent)) > 0)
			sent += (size_t)w;
	}
	CHECK(commits == 1, "the body read in an event's last turn ends it");
	finish_upload("30 done\r\n", "and is answered");
}

static void
test_upload_cut_short(void)
{
	char	ans[64];

	start_upload("up 100\r\nsome", 12);
	run_ticks(5);
	CHECK(commits == 0 && aborts == 0, "a body on its way");
	shutdown(client, SHUT_WR);
	read_answer(ans, sizeof(ans), 50);
	CHECK(aborts == 1 && commits == 0 && abort_err == ECONNRESET,
	    "the client stops short: abort, never commit");
	CHECK(strcmp(ans, "59 short\r\n") == 0,
	    "a client that only shut its side hears why");
	close(client);
	close(sink_rd);
}

static void
test_upload_stalls(void)
{
	long long	t0 = loop_now_ms();
	int		rounds;

	conf.timeout = 1;
	start_upload("up 100\r\nsome", 12);
	for (rounds = 0; rounds < 300 && aborts == 0; rounds++)
		run_ticks(1);
	CHECK(aborts == 1 && commits == 0 && abort_err == ETIMEDOUT,
	    "a stalled body is cut by the request timeout");
	CHECK(loop_now_ms() - t0 >= 900, "not before it");
	close(client);
	close(sink_rd);
	conf.timeout = CONF_DEFAULT_TIMEOUT;
}

/*
 * A refusal while the client sends a body larger than every buffer on
 * the way: with a lingering close the client's writes all go through
 * and it reads the answer; without one they fail (EPIPE), which is how
 * a client loses the answer (over TCP, a reset).  Returns how many
 * writes failed; *ans what the client read.
 */
static int
refused_upload(int with_linger, char *ans, size_t size)
{
	size_t	sent = 0;
	int	rounds, failed = 0, err;

	linger = with_linger;
	start_upload("no\r\n", 4);
	for (rounds = 0; rounds < 200 && sent < 512 * 1024; rounds++) {
		if ((err = send_body(&sent, 512 * 1024)) != 0) {
			failed++;
			break;
		}
		run_ticks(1);
	}
	shutdown(client, SHUT_WR);
	read_answer(ans, size, 50);
	close(client);
	close(sink_rd);
	close(sink_wr);		/* no hook: the refusal asked for no body */
	return failed;
}

static void
test_lingering_close(void)
{
	char	ans[64];

	CHECK(refused_upload(1, ans, sizeof(ans)) == 0,
	    "lingering: the client sends its whole body");
	CHECK(strcmp(ans, "59 no\r\n") == 0, "and then reads the answer");
	CHECK(refused_upload(0, ans, sizeof(ans)) == 1,
	    "without it the client's writes fail (the test can tell)");
}

/* A responder whose answer comes later: the test gives it. */
static struct reply	*pending;
static int		 cancelled, released;

static void
on_cancel(void *arg)
{
	(void)arg;
	cancelled++;
	pending = NULL;
}

static int
later_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	(void)ctx;
	if (len < 4 || memcmp(in + len - 2, "\r\n", 2) != 0)
		return 0;
	r->status = 42;
	r->reqlen = len;
	reply_pending(r, on_cancel, NULL);
	pending = r;
	return 1;
}

static const struct conn_front	later_front = { "test", 0, later_respond };

static void
start_later(void)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
	client = sv[1];
	pending = NULL;
	cancelled = 0;
	CHECK(conn_new(sv[0], &later_front, "192.0.2.9", 0) == 0,
	    "a connection is set up");
	CHECK(write(client, "go\r\n", 4) == 4, "the request is sent");
}

static void
test_pending_answered(void)
{
	char	buf[256];
	size_t	got = 0;
	ssize_t	n;
	int	rounds;

	start_later();
	batches = 0;
	run_ticks(10);
	CHECK(pending != NULL, "the responder left its reply pending");
	CHECK(read(client, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "nothing is sent while it is pending");
	CHECK(batches < 50, "and the loop sleeps meanwhile");
	/* Long past any write timeout: a pending reply is not swept. */
	conn_sweep(loop_now_ms() + 3600 * 1000);
	CHECK(cancelled == 0 && pending != NULL,
	    "the write timeout does not cut a pending reply");
	if (pending == NULL)
		return;
	reply_settle(pending);
	pending->status = 20;
	reply_append(pending, "20 text/plain\r\nlater\n", 22);
	reply_ready(pending);
	CHECK(cancelled == 0, "settling does not cancel");
	for (rounds = 0; rounds < 100; rounds++) {
		run_ticks(1);
		while ((n = read(client, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	CHECK(n == 0, "the connection ends after the answer");
	CHECK(got == 22 && memcmp(buf, "20 text/plain\r\nlater\n", 22) == 0,
	    "the answer arrives whole");
	close(client);
}

/* Answered with a stream: the mover must hear of it all the same. */
static void
test_pending_answered_with_stream(void)
{
	char	buf[256];
	size_t	got = 0;
	ssize_t	n = -1;
	int	p[2], rounds;

	if (pipe2(p, O_NONBLOCK) == -1) {
		perror("pipe");
		exit(2);
	}
	start_later();
	run_ticks(3);
	CHECK(pending != NULL, "pending");
	if (pending == NULL)
		return;
	reply_settle(pending);
	pending->status = 20;
	reply_append(pending, "20 text/plain\r\n", 15);
	reply_stream(pending, p[0]);
	reply_ready(pending);
	CHECK(write(p[1], "streamed", 8) == 8, "the stream has bytes");
	close(p[1]);
	for (rounds = 0; rounds < 100; rounds++) {
		run_ticks(1);
		while ((n = read(client, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	CHECK(n == 0 && got == 23 &&
	    memcmp(buf, "20 text/plain\r\nstreamed", 23) == 0,
	    "a pending reply answered with a stream sends it");
	close(client);
}

static void
test_pending_client_gone(void)
{
	start_later();
	run_ticks(5);
	CHECK(pending != NULL && cancelled == 0, "pending");
	close(client);
	run_ticks(5);
	CHECK(cancelled == 1, "a client that leaves cancels the answer, once");
	CHECK(pending == NULL, "and the cancel forgot the reply");
}

/* Drops every 'x', ends the body at '!' (which is sent). */
static int
test_filter_fn(void *arg, char *p, size_t *n)
{
	size_t	i, o = 0;

	(void)arg;
	for (i = 0; i < *n; i++) {
		if (p[i] != 'x')
			p[o++] = p[i];
		if (p[i] == '!') {
			*n = o;
			return 1;
		}
	}
	*n = o;
	return 0;
}

static void
on_release(void *arg)
{
	(void)arg;
	released++;
}

static int
filter_respond(const struct request_ctx *ctx, const char *in, size_t len,
    struct reply *r)
{
	(void)ctx;
	if (len < 4 || memcmp(in + len - 2, "\r\n", 2) != 0)
		return 0;
	r->status = 20;
	r->reqlen = len;
	reply_stream(r, pipe_rd);
	reply_filter(r, test_filter_fn, NULL);
	reply_on_end(r, on_release, NULL);
	return 1;
}

static const struct conn_front	filter_front = { "test", 0, filter_respond };

static void
test_filter(void)
{
	char	buf[256];
	size_t	got = 0;
	ssize_t	n = -1;
	int	sv[2], p[2], rounds;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1 ||
	    pipe2(p, O_NONBLOCK) == -1) {
		perror("socketpair/pipe");
		exit(2);
	}
	pipe_rd = p[0];
	pipe_wr = p[1];
	client = sv[1];
	released = 0;
	CHECK(conn_new(sv[0], &filter_front, "192.0.2.9", 0) == 0,
	    "a connection is set up");
	CHECK(write(client, "go\r\n", 4) == 4, "the request is sent");
	CHECK(write(pipe_wr, "axbx", 4) == 4, "the stream starts");
	run_ticks(3);
	CHECK(write(pipe_wr, "cxx!after", 9) == 9, "then ends, and more");
	for (rounds = 0; rounds < 100; rounds++) {
		run_ticks(1);
		while ((n = read(client, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;
	}
	CHECK(n == 0, "the body ends where the filter says, the pipe open");
	CHECK(got == 4 && memcmp(buf, "abc!", 4) == 0,
	    "what is sent is what the filter kept");
	CHECK(released == 1, "the end of the source is told once");
	close(client);
	close(pipe_wr);
	pipe_wr = -1;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_init("test_conn", 0);
	conf_init(&conf);
	admit_init(&conf, 1);
	if ((loop = loop_new()) == NULL)
		return 2;
	loop_set_hooks(loop, 10, count_tick, count_batch, NULL);
	conn_setup(loop, &conf);
	test_backpressure_and_order();
	test_client_goes_away();
	test_pending_answered();
	test_pending_answered_with_stream();
	test_pending_client_gone();
	test_filter();
	test_upload_backpressure_and_order();
	test_upload_last_turn();
	test_upload_cut_short();
	test_upload_stalls();
	test_lingering_close();
	conn_close_all("done");
	loop_free(loop);
	conf_free(&conf);
	return test_done("conn");
}
