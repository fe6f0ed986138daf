/*
 * worker.c: one worker process.  Accepts on its own SO_REUSEPORT
 * sockets, caps connections (total and per client address), drives the
 * timeout sweep, and stops gracefully on SIGTERM.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conn.h"
#include "gemlog.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "mime.h"
#include "ratelimit.h"
#include "worker.h"

#define WORKER_GRACE_MS		10000	/* in-flight responses at exit */
#define WORKER_RETIRE_MS	3600000	/* ... after a reload, at most */

struct worker_listener {
	struct loop_ev		 ev;
	struct listener		*l;
};

static const struct conf	*worker_cf;
static struct loop		*worker_loop;
static struct worker_listener	 worker_ls[LISTEN_MAX];
static int			 worker_nls;
static int			 worker_max_conns;
static int			 worker_max_perip;
static long			 worker_refused;	/* since the last tick */
static volatile sig_atomic_t	 worker_stopping;
static long long		 worker_stop_deadline;

static struct ratelimit		 worker_rl;

/*
 * Each worker keeps its own buckets: the kernel spreads an address's
 * connections over the workers, so the configured rate is divided
 * among them (as the per-address connection cap is).
 */
int
worker_rate_check(const char *addr)
{
	return ratelimit_take(&worker_rl, addr, conn_now_ms());
}

const struct conf *
worker_conf(void)
{
	return worker_cf;
}

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
 * Over a cap the connection is accepted and closed at once: the client
 * sees a prompt close rather than a hang in the listen queue.
 */
static void
worker_accept(int fd, int events, void *arg)
{
	struct worker_listener	*wl = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct conn		*c;
	char			 addr[CONN_ADDR_MAX];
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
		if (conn_count() >= worker_max_conns) {
			worker_refused++;
			close(cfd);
			continue;
		}
		if (getnameinfo((struct sockaddr *)&ss, sslen, addr,
		    sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(addr, sizeof(addr), "?");
		/* A load balancer's address is not a client's: the cap is
		 * checked once its PROXY header names the client. */
		switch (conn_proxy_policy(wl->l->proto, addr)) {
		case -1:
			log_debug("%s: not a proxy-from address: refusing",
			    addr);
			close(cfd);
			continue;
		case 1:
			break;
		default:
			if (conn_addr_count(conn_addr_slot(addr)) <
			    worker_max_perip)
				break;
			log_debug("%s: per-address cap reached: refusing",
			    addr);
			close(cfd);
			continue;
		}
		c = conn_new(cfd, wl->l, addr);
		if (c == NULL) {
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
	long long	now = conn_now_ms();

	(void)arg;
	/* One line a tick, not one per refused connection of a flood. */
	if (worker_refused > 0) {
		log_warnx("connection cap (%d) reached: refused %ld",
		    worker_max_conns, worker_refused);
		worker_refused = 0;
	}
	conn_sweep(now);
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
	if (worker_stop_deadline != 0 && (conn_count() == 0 ||
	    now >= worker_stop_deadline))
		loop_stop(worker_loop);
}

static void
worker_after_batch(void *arg)
{
	(void)arg;
	conn_reap();
	if (worker_stopping && worker_stop_deadline == 0)
		worker_tick(NULL);	/* react to SIGTERM promptly */
}

static void
worker_limits(const struct conf *conf, int nworkers)
{
	long	nofile = listen_raise_nofile();

	/* Keep fds for listeners, files being sent and libraries. */
	worker_max_conns = (int)((nofile - 64) / 2);
	if (conf->max_conns > 0 && conf->max_conns < worker_max_conns)
		worker_max_conns = conf->max_conns;
	if (worker_max_conns < 1)
		worker_max_conns = 1;
	/* The kernel spreads one address's connections over workers. */
	worker_max_perip = (conf->max_conns_per_ip + nworkers - 1) / nworkers;
	if (worker_max_perip < 1)
		worker_max_perip = 1;
	/* conn.c counts in unsigned shorts: past that the count wraps. */
	if (worker_max_perip > USHRT_MAX)
		worker_max_perip = USHRT_MAX;
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

/* Each worker keys its address hash with its own secret (the buckets
 * and per-address counts are per worker anyway). */
static void
worker_hash_key(void)
{
	unsigned	key;

	if (RAND_bytes((unsigned char *)&key, sizeof(key)) != 1)
		fatalx("cannot make the address hash key");
	ratelimit_set_key(key);
}

int
worker_run(const struct conf *conf, struct listener *ls, int nls, int id)
{
	char	prefix[32];
	int	i, nworkers = conf->workers > 0 ? conf->workers : 1;

	snprintf(prefix, sizeof(prefix), "worker %d", id);
	log_set_prefix(prefix);
	worker_cf = conf;
	worker_signals();
	worker_limits(conf, nworkers);
	worker_hash_key();
	ratelimit_init(&worker_rl, conf->rate / 60.0 / nworkers,
	    (conf->burst + nworkers - 1) / nworkers);
	if ((worker_loop = loop_new()) == NULL)
		fatal("loop_new");
	conn_setup(worker_loop, conf, worker_max_perip);
	loop_set_hooks(worker_loop, 250, worker_tick, worker_after_batch,
	    NULL);
	for (i = 0; i < nls; i++) {
		worker_ls[i].l = &ls[i];
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
	mime_free();
	return 0;
}
