/*
 * main.c: capsuled's start-up: flags, configuration, sockets, TLS,
 * privileges, then the key process and one worker process per core,
 * each restarted if it dies.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "conf.h"
#include "dynamic.h"
#include "helper.h"
#include "indexcmd.h"
#include "keyproc.h"
#include "keyprov.h"
#include "listen.h"
#include "log.h"
#include "mime.h"
#include "runner.h"
#include "sandbox.h"
#include "tls.h"
#include "upload.h"
#include "worker.h"

#define MAIN_WORKERS_MAX	64

/* Flags override the config file; NULL/0 means "not given". */
struct main_opts {
	const char	*root, *host, *listen, *cert, *key, *conffile, *user;
	int		 port, gopher_port, workers, check, verbose;
};

static volatile sig_atomic_t	main_stop, main_child, main_hup, main_usr1,
				main_alarm;

/* What the supervisor keeps between signals. */
struct main_state {
	struct main_opts	 opts;
	struct conf		*conf;		/* in service */
	struct conf		*spare;		/* the next reload builds here */
	struct listener		 ls[MAIN_WORKERS_MAX][LISTEN_MAX];
	int			 nls;
	pid_t			 pids[MAIN_WORKERS_MAX];
	pid_t			 retiring[MAIN_WORKERS_MAX * 4];
	struct helper		 keys;		/* the key process */
	struct keyproc_files	*keyfiles;	/* what it is sent */
	struct helper		 runner;	/* the program runner, when
						   a location is dynamic */
	int			 keys_retry;	/* a restart failed: try */
	int			 runner_retry;	/* again at the alarm */
};

static void
main_usage(FILE *fp)
{
	fprintf(fp,
"usage: capsuled [-hnVv] [-c file] [-r dir] [-H name] [-l addr] [-p port]\n"
"                [-g port] [-C cert] [-K key] [-j workers] [-u user]\n"
"       capsuled index [-a] [-o outdir] [-u baseurl] [-t title] dir\n"
"\n"
"  -c file     configuration file (see capsuled.conf(5))\n"
"  -r dir      capsule root directory (default: capsule)\n"
"  -H name     host name served (default: localhost)\n"
"  -l addr     listen address (default: all IPv4 and IPv6 addresses)\n"
"  -p port     Gemini port (default: 1965)\n"
"  -g port     also serve Gopher on this port (default: off)\n"
"  -C cert     certificate file (default: certs/NAME.pem; created if missing)\n"
"  -K key      private key file (default: certs/NAME.key; created if missing)\n"
"  -j workers  worker processes (default: one per core)\n"
"  -u user     drop privileges to this user after binding (when root)\n"
"  -n          check the configuration and exit; -nn also prints it\n"
"  -v          verbose (debug) logging\n"
"  -V          print the version and exit\n"
"  -h          this help\n");
}

static int
main_number(const char *s, int min, int max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max) {
		fprintf(stderr, "capsuled: %s must be %d-%d: %s\n", what, min,
		    max, s);
		exit(2);
	}
	return (int)v;
}

static void
main_flags(int argc, char *argv[], struct main_opts *o)
{
	int	ch;

	while ((ch = getopt(argc, argv, "c:C:g:hH:j:K:l:np:r:u:vV")) != -1) {
		switch (ch) {
		case 'c': o->conffile = optarg; break;
		case 'C': o->cert = optarg; break;
		case 'g': o->gopher_port = main_number(optarg, 1, 65535,
			      "Gopher port"); break;
		case 'h': main_usage(stdout); exit(0);
		case 'H': o->host = optarg; break;
		case 'j': o->workers = main_number(optarg, 1,
			      MAIN_WORKERS_MAX, "workers"); break;
		case 'K': o->key = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'n': o->check++; break;
		case 'p': o->port = main_number(optarg, 1, 65535, "port");
			  break;
		case 'r': o->root = optarg; break;
		case 'u': o->user = optarg; break;
		case 'v': o->verbose++; break;
		case 'V': printf("capsuled %s\n", CAPSULED_VERSION); exit(0);
		default: main_usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		exit(2);
	}
}

static int
main_copy(char *dst, size_t dstsize, const char *src, const char *what,
    char *err, size_t errsize)
{
	if ((size_t)snprintf(dst, dstsize, "%s", src) < dstsize)
		return 0;
	snprintf(err, errsize, "%s too long: %s", what, src);
	return -1;
}

/* The flags that name a host apply to the first one (or make it). */
static int
main_host_flags(const struct main_opts *o, struct conf *conf, char *err,
    size_t errsize)
{
	struct conf_host	*h = &conf->hosts[0];

	if (conf->nhosts == 0) {
		conf->nhosts = 1;
		memset(h, 0, sizeof(*h));
		if (main_copy(h->name, sizeof(h->name), CONF_DEFAULT_HOST,
		    "host", err, errsize) == -1 ||
		    main_copy(h->root, sizeof(h->root), CONF_DEFAULT_ROOT,
		    "root", err, errsize) == -1)
			return -1;
	}
	if ((o->host && main_copy(h->name, sizeof(h->name), o->host,
	    "host name", err, errsize) == -1) ||
	    (o->root && main_copy(h->root, sizeof(h->root), o->root,
	    "root", err, errsize) == -1) ||
	    (o->cert && main_copy(h->cert, sizeof(h->cert), o->cert,
	    "certificate", err, errsize) == -1) ||
	    (o->key && main_copy(h->key, sizeof(h->key), o->key,
	    "key", err, errsize) == -1))
		return -1;
	return 0;
}

/* Config file first, then flags on top.  0, or -1 with err. */
static int
main_conf(const struct main_opts *o, struct conf *conf, char *err,
    size_t errsize)
{
	conf_init(conf);
	if (o->conffile && conf_load(o->conffile, conf, err, errsize) == -1)
		return -1;
	if (main_host_flags(o, conf, err, errsize) == -1)
		return -1;
	if ((o->listen && main_copy(conf->listen, sizeof(conf->listen),
	    o->listen, "listen address", err, errsize) == -1) ||
	    (o->user && main_copy(conf->user, sizeof(conf->user), o->user,
	    "user", err, errsize) == -1))
		return -1;
	if (o->port)
		conf->port = o->port;
	if (o->gopher_port)
		conf->gopher_port = o->gopher_port;
	if (o->workers)
		conf->workers = o->workers;
	conf->verbose = o->verbose;
	if (conf_finish(conf, err, errsize) == -1)
		return -1;
	if (conf->workers == 0) {
		conf->workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (conf->workers < 1)
			conf->workers = 1;
		if (conf->workers > MAIN_WORKERS_MAX)
			conf->workers = MAIN_WORKERS_MAX;
	}
	return 0;
}

static void
main_close_roots(struct conf *conf)
{
	int	i;

	upload_dirs_close(conf);
	for (i = 0; i < conf->nhosts; i++) {
		if (conf->hosts[i].rootfd != -1)
			close(conf->hosts[i].rootfd);
		conf->hosts[i].rootfd = -1;
	}
}

static int
main_open_roots(struct conf *conf, char *err, size_t errsize)
{
	int	i;

	for (i = 0; i < conf->nhosts; i++)
		conf->hosts[i].rootfd = -1;
	for (i = 0; i < conf->nhosts; i++) {
		conf->hosts[i].rootfd = open(conf->hosts[i].root,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (conf->hosts[i].rootfd == -1) {
			snprintf(err, errsize, "root of %s: %s: %s",
			    conf->hosts[i].name, conf->hosts[i].root,
			    strerror(errno));
			main_close_roots(conf);
			return -1;
		}
	}
	upload_dirs_open(conf);		/* for the workers' sandbox */
	return 0;
}

/* Each worker gets its own socket per address (SO_REUSEPORT). */
static int
main_bind(const struct conf *conf, struct listener *ls)
{
	char	err[256];
	int	n = 0;

	if (listen_open(conf->listen, conf->port, LISTEN_GEMINI, ls, &n,
	    LISTEN_MAX, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (conf->gopher_port && listen_open(conf->listen, conf->gopher_port,
	    LISTEN_GOPHER, ls, &n, LISTEN_MAX, err, sizeof(err)) == -1)
		fatalx("%s", err);
	return n;
}

static void
main_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		main_child = 1;
		break;
	case SIGHUP:
		main_hup = 1;
		break;
	case SIGUSR1:
		main_usr1 = 1;
		break;
	case SIGALRM:
		main_alarm = 1;
		break;
	default:
		if (main_stop == 0)	/* Ctrl-C reaches make and us both */
			main_stop = 1;
		break;
	}
}

static void
main_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static pid_t
main_spawn(struct main_state *st, int id)
{
	sigset_t	none;
	pid_t		pid, parent = getpid();
	int		w, i;

	if ((pid = fork()) != 0) {
		if (pid == -1)
			log_warn("fork");
		return pid;
	}
	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	/* The supervisor blocks signals while it works; a worker forked from
	 * there must not inherit that, or SIGTERM would never reach it. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* If the parent dies (even by SIGKILL), stop too rather than serve
	 * on, unsupervised, with an old configuration. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(0);
	for (w = 0; w < st->conf->workers; w++)
		for (i = 0; w != id && i < st->nls; i++)
			close(st->ls[w][i].fd);
	keyprov_attach(helper_worker(&st->keys, id));
	dynamic_attach(helper_worker(&st->runner, id));
	sandbox_worker(st->conf);
	exit(worker_run(st->conf, st->ls[id], st->nls, id));
}

/* A child that ends quietly: a retired worker or helper. */
static void
main_retire(struct main_state *st, pid_t pid)
{
	size_t	i;

	for (i = 0; i < sizeof(st->retiring) / sizeof(st->retiring[0]); i++)
		if (st->retiring[i] <= 0) {
			st->retiring[i] = pid;
			return;
		}
}

/* The parent lets go of a helper; it ends once its workers have. */
static void
main_retire_helper(struct main_state *st, struct helper *h)
{
	helper_close(h);
	if (h->pid > 0)
		main_retire(st, h->pid);
	h->pid = -1;
}

/* The key process of conf, with keys kf.  0, or -1 with err. */
static int
main_keys_start(struct helper *h, const struct conf *conf,
    const struct keyproc_files *kf, char *err, size_t errsize)
{
	if (helper_open(h, &keyproc_role, conf->workers, NULL) == -1) {
		snprintf(err, errsize, "key process sockets: %s",
		    strerror(errno));
		return -1;
	}
	return keyproc_start(h, kf, err, errsize);
}

/*
 * The program runner of conf, when conf has a dynamic location: it
 * keeps the capsule roots the parent opened (it finds programs beneath
 * them as the workers find files).  h is left unopened otherwise.
 * 0, or -1 with err.
 */
static int
main_runner_start(struct helper *h, const struct conf *conf, char *err,
    size_t errsize)
{
	int	i;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->ctl = -1;
	if (!runner_needed(conf))
		return 0;
	if (helper_open(h, &runner_role, conf->workers, (void *)conf) == -1) {
		snprintf(err, errsize, "program runner sockets: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < conf->nhosts; i++)
		(void)helper_keep(h, conf->hosts[i].rootfd);
	if (helper_start(h) == -1) {
		snprintf(err, errsize, "program runner: %s", strerror(errno));
		helper_close(h);
		return -1;
	}
	return 0;
}

static void
main_signal_all(struct main_state *st, int sig)
{
	size_t	i;
	int	w;

	for (w = 0; w < st->conf->workers; w++)
		if (st->pids[w] > 0)
			kill(st->pids[w], sig);
	for (i = 0; i < sizeof(st->retiring) / sizeof(st->retiring[0]); i++)
		if (st->retiring[i] > 0)
			kill(st->retiring[i], sig);
}

/*
 * The keys of a reload: the parent reads them (as the dropped user: a
 * key only root can read refuses the reload), a new key process loads
 * them, then the contexts are built.  The old key process keeps serving
 * the old workers until they are gone.  0, or -1 with err and nothing
 * changed.
 */
static int
main_reload_keys(struct main_state *st, struct conf *next, char *err,
    size_t errsize)
{
	struct keyproc_files	*kf;
	struct helper		 h;
	int			 workers = next->workers;

	if (tls_files(next, err, errsize) == -1 ||
	    (kf = keyproc_read(next, err, errsize)) == NULL)
		return -1;
	next->workers = st->conf->workers;	/* sockets stay as they are */
	if (main_keys_start(&h, next, kf, err, errsize) == -1 ||
	    tls_init(next, err, errsize) == -1) {
		next->workers = workers;
		main_retire_helper(st, &h);
		keyproc_files_free(kf);
		return -1;
	}
	next->workers = workers;
	main_retire_helper(st, &st->keys);
	st->keys = h;
	keyproc_files_free(st->keyfiles);
	st->keyfiles = kf;
	return 0;
}

/* A new program runner for the new configuration (or none); the old
 * one serves the old workers until they are gone. */
static void
main_reload_runner(struct main_state *st, const struct conf *next)
{
	char	err[1200];

	main_retire_helper(st, &st->runner);
	if (main_runner_start(&st->runner, next, err, sizeof(err)) == -1)
		log_warnx("reload: no program runner, dynamic locations "
		    "answer 42: %s", err);
}

/*
 * SIGHUP: parse, open and load everything anew; only when all of it
 * worked do new workers start and the old ones retire (they stop
 * accepting and finish what they are sending).  Sockets stay: the
 * listen address, ports and worker count need a restart.
 */
static void
main_reload(struct main_state *st)
{
	struct conf	*next = st->spare, *old = st->conf;
	char		 err[1200];
	int		 w;

	if (main_conf(&st->opts, next, err, sizeof(err)) == -1 ||
	    main_open_roots(next, err, sizeof(err)) == -1) {
		log_warnx("reload refused, old configuration kept: %s", err);
		conf_free(next);
		return;
	}
	if (runner_check(next, err, sizeof(err)) == -1) {
		log_warnx("reload refused, old configuration kept: %s", err);
		main_close_roots(next);
		conf_free(next);
		return;
	}
	if (main_reload_keys(st, next, err, sizeof(err)) == -1) {
		log_warnx("reload refused, old configuration kept: %s", err);
		main_close_roots(next);
		conf_free(next);
		return;
	}
	if (strcmp(next->listen, old->listen) != 0 ||
	    next->port != old->port || next->gopher_port != old->gopher_port ||
	    next->workers != old->workers)
		log_warnx("reload: listen, port, gopher and workers changes "
		    "take effect at the next restart");
	/* The parent has dropped its privileges and the workers' sandbox
	 * is built around the open log: these also wait for a restart. */
	if (strcmp(next->logfile, old->logfile) != 0 ||
	    strcmp(next->user, old->user) != 0 ||
	    strcmp(next->chroot, old->chroot) != 0)
		log_warnx("reload: log, user and chroot changes take effect "
		    "at the next restart");
	memcpy(next->logfile, old->logfile, sizeof(next->logfile));
	memcpy(next->user, old->user, sizeof(next->user));
	memcpy(next->chroot, old->chroot, sizeof(next->chroot));
	memcpy(next->listen, old->listen, sizeof(next->listen));
	next->port = old->port;
	next->gopher_port = old->gopher_port;
	next->workers = old->workers;
	main_reload_runner(st, next);
	st->conf = next;
	st->spare = old;
	/* Before the spawn: a new worker holds only the new roots (the old
	 * workers and runner keep their own copies while they retire). */
	main_close_roots(old);
	for (w = 0; w < next->workers; w++) {
		if (st->pids[w] > 0) {
			kill(st->pids[w], SIGUSR2);
			main_retire(st, st->pids[w]);
		}
		st->pids[w] = main_spawn(st, w);
	}
	conf_free(old);
	log_info("configuration reloaded");
}

/* A helper that could not be restarted is tried again this often. */
#define MAIN_RETRY_S	5

/* Start the key process again; on failure, try again at the alarm. */
static void
main_keys_restart(struct main_state *st)
{
	char	err[1200];

	if (keyproc_start(&st->keys, st->keyfiles, err, sizeof(err)) == 0) {
		if (st->keys_retry)
			log_info("key process restarted");
		st->keys_retry = 0;
		return;
	}
	log_warnx("key process not restarted, TLS handshakes wait for it "
	    "(retrying in %d s): %s", MAIN_RETRY_S, err);
	if (st->keys.pid > 0) {
		kill(st->keys.pid, SIGTERM);
		main_retire(st, st->keys.pid);
	}
	st->keys.pid = -1;
	st->keys_retry = 1;
	alarm(MAIN_RETRY_S);
}

/* Start the program runner again; on failure, try again at the alarm. */
static void
main_runner_restart(struct main_state *st)
{
	if (helper_start(&st->runner) == 0) {
		if (st->runner_retry)
			log_info("program runner restarted");
		st->runner_retry = 0;
		return;
	}
	log_warn("program runner not restarted, dynamic locations answer 42 "
	    "(retrying in %d s)", MAIN_RETRY_S);
	st->runner_retry = 1;
	alarm(MAIN_RETRY_S);
}

/*
 * The key process died: start another on the same sockets.  The
 * workers' handshakes waiting meanwhile fail when it says hello.
 */
static void
main_keys_died(struct main_state *st, int status)
{
	st->keys.pid = -1;
	if (WIFSIGNALED(status))
		log_warnx("key process killed by signal %d (%s)%s; restarting",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ?
		    ": a system call outside the sandbox" : "");
	else
		log_warnx("key process exited with %d; restarting",
		    WEXITSTATUS(status));
	if (main_stop)
		return;
	sleep(1);	/* no busy loop if it dies at once */
	main_keys_restart(st);
}

/*
 * The program runner died: start another on the same sockets.  The
 * workers answer 42 to what waited for it when it says hello; its
 * programs died with it (PR_SET_PDEATHSIG).
 */
static void
main_runner_died(struct main_state *st, int status)
{
	st->runner.pid = -1;
	if (WIFSIGNALED(status))
		log_warnx("program runner killed by signal %d (%s); "
		    "restarting", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		log_warnx("program runner exited with %d; restarting",
		    WEXITSTATUS(status));
	if (main_stop)
		return;
	sleep(1);	/* no busy loop if it dies at once */
	main_runner_restart(st);
}

/* A worker ended: retiring ones go quietly, others are restarted. */
static void
main_reap(struct main_state *st)
{
	size_t	i;
	pid_t	pid;
	int	status, w;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < sizeof(st->retiring) / sizeof(st->retiring[0]);
		    i++)
			if (st->retiring[i] == pid)
				st->retiring[i] = 0;
		if (pid == st->keys.pid) {
			main_keys_died(st, status);
			continue;
		}
		if (pid == st->runner.pid) {
			main_runner_died(st, status);
			continue;
		}
		for (w = 0; w < st->conf->workers && st->pids[w] != pid; w++)
			;
		if (w == st->conf->workers)
			continue;
		st->pids[w] = -1;
		if (main_stop) {
			/* Stopping: a worker that did not exit cleanly (a
			 * sanitizer report that hit the seccomp filter, say)
			 * is still worth a line and the exit status. */
			if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
				log_warnx("worker %d ended badly while stopping "
				    "(%s %d)", w, WIFSIGNALED(status) ?
				    "signal" : "status", WIFSIGNALED(status) ?
				    WTERMSIG(status) : WEXITSTATUS(status));
			}
			continue;
		}
		if (WIFSIGNALED(status))
			log_warnx("worker %d killed by signal %d (%s)%s; "
			    "restarting", w, WTERMSIG(status),
			    strsignal(WTERMSIG(status)),
			    WTERMSIG(status) == SIGSYS ?
			    ": a system call outside the sandbox" : "");
		else
			log_warnx("worker %d exited with %d; restarting", w,
			    WEXITSTATUS(status));
		sleep(1);	/* no busy loop if it dies at once */
		st->pids[w] = main_spawn(st, w);
	}
}

static int
main_alive(const struct main_state *st)
{
	size_t	i;
	int	w, n = 0;

	for (w = 0; w < st->conf->workers; w++)
		n += st->pids[w] > 0;
	for (i = 0; i < sizeof(st->retiring) / sizeof(st->retiring[0]); i++)
		n += st->retiring[i] > 0;
	return n + (st->keys.pid > 0) + (st->runner.pid > 0);
}

/* The key process opens no file, nor does the program runner: each is
 * handed the reopened log. */
static void
main_helper_log(struct helper *h)
{
	struct iovec	iov;
	char		type = HELPER_MSG_LOG;

	iov.iov_base = &type;
	iov.iov_len = 1;
	if (h->ctl != -1 && helper_send(h->ctl, &iov, 1, STDERR_FILENO) == -1)
		log_warn("%s: log", h->role->name);
}

/* Restart workers that die; reload on SIGHUP; stop on SIGTERM/SIGINT. */
static void
main_supervise(struct main_state *st)
{
	sigset_t	mask, old;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGALRM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	while (main_alive(st) > 0) {
		/* After the stop is sent (main_stop 2) only children wake us. */
		while (main_stop != 1 && !main_child && !main_hup &&
		    !main_usr1 && !main_alarm)
			sigsuspend(&old);
		if (main_stop == 1) {
			log_info("stopping");
			main_signal_all(st, SIGTERM);
			/* It ends once the workers it signs for have. */
			if (st->keys.pid > 0)
				kill(st->keys.pid, SIGTERM);
			main_retire_helper(st, &st->keys);
			if (st->runner.pid > 0)
				kill(st->runner.pid, SIGTERM);
			main_retire_helper(st, &st->runner);
			main_stop = 2;
		}
		if (main_hup && !main_stop) {
			main_hup = 0;
			main_reload(st);
		}
		if (main_usr1) {
			main_usr1 = 0;
			log_reopen();
			main_signal_all(st, SIGUSR1);
			main_helper_log(&st->keys);
			main_helper_log(&st->runner);
		}
		if (main_alarm) {
			main_alarm = 0;
			if (st->keys_retry && !main_stop)
				main_keys_restart(st);
			if (st->runner_retry && !main_stop &&
			    st->runner.nfds > 0)
				main_runner_restart(st);
		}
		main_child = 0;
		main_reap(st);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
main_announce(const struct main_state *st)
{
	const struct conf	*conf = st->conf;
	char			 port[16] = "";
	int			 i;

	for (i = 0; i < st->nls; i++)
		log_info("listening on %s (%s)", st->ls[0][i].name,
		    st->ls[0][i].proto == LISTEN_GEMINI ? "gemini" : "gopher");
	if (conf->public_port != CONF_DEFAULT_PORT)
		snprintf(port, sizeof(port), ":%d", conf->public_port);
	for (i = 0; i < conf->nhosts; i++)
		log_info("serving %s as gemini://%s%s/", conf->hosts[i].root,
		    conf->hosts[i].name, port);
	log_info("%d worker%s", conf->workers, conf->workers > 1 ? "s" : "");
}

static void
main_load(struct main_state *st)
{
	char	err[1200];

	/* -n reports on stderr, and creates no log file. */
	if (main_conf(&st->opts, st->conf, err, sizeof(err)) == -1 ||
	    main_open_roots(st->conf, err, sizeof(err)) == -1 ||
	    runner_check(st->conf, err, sizeof(err)) == -1 ||
	    (!st->opts.check &&
	    log_open(st->conf->logfile, err, sizeof(err)) == -1) ||
	    tls_files(st->conf, err, sizeof(err)) == -1 ||
	    (st->keyfiles = keyproc_read(st->conf, err, sizeof(err))) ==
	    NULL ||
	    (st->opts.check &&
	    keyproc_load(st->keyfiles, NULL, err, sizeof(err)) == -1) ||
	    tls_init(st->conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (mime_init() == -1)
		log_warnx("libmagic database not loaded: unknown file "
		    "types are served as application/octet-stream");
}

int
main(int argc, char *argv[])
{
	static struct conf		confs[2];
	static struct main_state	st;
	char				err[1200];
	int				w;

	if (argc > 1 && strcmp(argv[1], "index") == 0)
		return indexcmd_main(argc - 1, argv + 1);
	main_flags(argc, argv, &st.opts);
	log_init("capsuled", st.opts.verbose);
	st.conf = &confs[0];
	st.spare = &confs[1];
	main_load(&st);
	st.runner.pid = -1;
	st.runner.ctl = -1;
	if (st.opts.check) {
		sandbox_report(st.conf);
		if (runner_needed(st.conf) && st.conf->chroot[0] != '\0')
			fprintf(stderr, "programs: run inside the chroot %s: "
			    "their interpreters and libraries must be there "
			    "too\n", st.conf->chroot);
		if (st.opts.check > 1)
			conf_print(st.conf, stdout);
		fprintf(stderr, "configuration OK\n");
		return 0;
	}
	for (w = 0; w < st.conf->workers; w++)
		st.nls = main_bind(st.conf, st.ls[w]);
	main_announce(&st);
	upload_sweep(st.conf);	/* at start only: see upload.h */
	sandbox_drop(st.conf);
	main_signals();
	if (main_keys_start(&st.keys, st.conf, st.keyfiles, err,
	    sizeof(err)) == -1 ||
	    main_runner_start(&st.runner, st.conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	for (w = 0; w < st.conf->workers; w++)
		st.pids[w] = main_spawn(&st, w);
	main_supervise(&st);
	tls_free();
	keyprov_free();
	keyproc_files_free(st.keyfiles);
	mime_free();
	main_close_roots(st.conf);
	conf_free(st.conf);
	log_info("stopped");
	return 0;
}
