/*
 * worker.c: one worker process.  Accepts on its own SO_REUSEPORT
 * sockets (admit.c says whom), hands each connection to conn.c with the
 * front end of its listener, drives the timeout sweep, and stops
 * gracefully on SIGTERM.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "conn.h"
#include "gemini.h"
#include "gemlog.h"
#include "gopher.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "mime.h"
#include "serve.h"
#include "worker.h"

#define WORKER_GRACE_MS		10000	/* in-flight responses at exit */
#define WORKER_RETIRE_MS	3600000	/* ... after a reload, at most */

/* The protocols a listener may serve. */
static const struct conn_front	 worker_gemini = {
	"gemini", 1, gemini_respond
};
static const struct conn_front	 worker_gopher = {
	"gopher", 0, gopher_respond
};

struct worker_listener {
	struct loop_ev			 ev;
	struct listener			*l;
	const struct conn_front		*front;
};

static struct loop		*worker_loop;
static struct worker_listener	 worker_ls[LISTEN_MAX];
static int			 worker_nls;
static volatile sig_atomic_t	 worker_stopping;
static long long		 worker_stop_deadline;
static volatile sig_atomic_t	 worker_reopen;

/* SIGTERM: stop within WORKER_GRACE_MS.  SIGUSR2 (a reload retires this
 * worker): stop accepting, finish every response, however long, each
 * bounded by its own timeouts.  SIGUSR1: reopen the log. */
static void
worker_signal(int sig)
{
	if (sig == SIGUSR1)
		worker_reopen = 1;
	else if (sig == SIGUSR2 && !worker_stopping)
		worker_stopping = 2;
	else
		worker_stopping = 1;
}

/*
 * At the worker's cap the oldest connection that has not yet sent its
 * request makes room (a slowloris spread over many addresses cannot
 * lock readers out); only when every one is being answered is the new
 * one refused.  Refused connections are accepted and closed at once:
 * the client sees a prompt close rather than a hang in the listen queue.
 */
static enum admit_verdict
worker_admit(enum listen_proto proto, const char *addr)
{
	enum admit_verdict	v = admit_check(proto, addr);

	if (v != ADMIT_FULL)
		return v;
	if (conn_evict() == -1) {
		admit_refused();
		return ADMIT_FULL;
	}
	admit_evicted();
	return admit_check(proto, addr);
}

static void
worker_accept(int fd, int events, void *arg)
{
	struct worker_listener	*wl = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 addr[LISTEN_ADDR_MAX];
	enum admit_verdict	 v;
	int			 cfd, i;

	(void)events;
	for (i = 0; i < 64; i++) {	/* bounded: other fds get a turn */
		sslen = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept on %s", wl->l->name);
			return;
		}
		listen_addr_string((struct sockaddr *)&ss, sslen, addr,
		    sizeof(addr));
		v = worker_admit(wl->l->proto, addr);
		if (v == ADMIT_NOT_PROXY)
			log_debug("%s: not a proxy-from address: refusing",
			    addr);
		else if (v == ADMIT_ADDR_FULL)
			log_debug("%s: per-address cap reached: refusing",
			    addr);
		if (v != ADMIT_OK && v != ADMIT_PROXY)
			close(cfd);
		else if (conn_new(cfd, wl->front, addr, v == ADMIT_PROXY) ==
		    -1) {
			log_warn("cannot set up a connection");
			close(cfd);
		}
	}
}

static void
worker_stop_listening(void)
{
	int	i;

	for (i = 0; i < worker_nls; i++) {
		loop_del(worker_loop, &worker_ls[i].ev);
		close(worker_ls[i].l->fd);
		worker_ls[i].l->fd = -1;
	}
	worker_nls = 0;
}

static void
worker_tick(void *arg)
{
	long long	now = loop_now_ms();

	(void)arg;
	admit_report();
	conn_sweep(now);
	log_flush();
	if (worker_reopen) {
		worker_reopen = 0;
		log_reopen();
	}
	if (worker_stopping && worker_stop_deadline == 0) {
		worker_stop_listening();
		worker_stop_deadline = now + (worker_stopping == 2 ?
		    WORKER_RETIRE_MS : WORKER_GRACE_MS);
	}
	/* A SIGTERM after SIGUSR2 shortens the wait. */
	if (worker_stopping == 1 && worker_stop_deadline > now +
	    WORKER_GRACE_MS)
		worker_stop_deadline = now + WORKER_GRACE_MS;
	if (worker_stop_deadline != 0 && (admit_count() == 0 ||
	    now >= worker_stop_deadline))
		loop_stop(worker_loop);
}

static void
worker_after_batch(void *arg)
{
	(void)arg;
	conn_reap();
	log_flush();	/* the lines of this pass, in one write */
	if (worker_stopping && worker_stop_deadline == 0)
		worker_tick(NULL);	/* react to SIGTERM promptly */
}

static void
worker_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

int
worker_run(const struct conf *conf, struct listener *ls, int nls, int id)
{
	char	prefix[32];
	int	i, nworkers = conf->workers > 0 ? conf->workers : 1;

	snprintf(prefix, sizeof(prefix), "worker %d", id);
	log_set_prefix(prefix);
	worker_signals();
	log_batch();
	admit_init(conf, nworkers);
	if ((worker_loop = loop_new()) == NULL)
		fatal("loop_new");
	conn_setup(worker_loop, conf);
	loop_set_hooks(worker_loop, 250, worker_tick, worker_after_batch,
	    NULL);
	for (i = 0; i < nls; i++) {
		worker_ls[i].l = &ls[i];
		worker_ls[i].front = ls[i].proto == LISTEN_GEMINI ?
		    &worker_gemini : &worker_gopher;
		if (loop_add(worker_loop, &worker_ls[i].ev, ls[i].fd,
		    LOOP_READ, worker_accept, &worker_ls[i]) == -1)
			fatal("loop_add");
	}
	worker_nls = nls;
	if (loop_run(worker_loop) == -1)
		log_warn("event loop");
	worker_stop_listening();
	conn_close_all("shutting down");
	loop_free(worker_loop);
	gemlog_cache_free();
	serve_cache_free();
	gopher_cache_free();
	mime_free();
	log_flush();
	return 0;
}
