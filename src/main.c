/*
 * main.c: capsuled's start-up: flags, configuration, sockets, TLS,
 * privileges, then one worker process per core, restarted if one dies.
 */
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
#include "indexcmd.h"
#include "listen.h"
#include "log.h"
#include "mime.h"
#include "sandbox.h"
#include "tls.h"
#include "worker.h"

#define MAIN_WORKERS_MAX	64

/* Flags override the config file; NULL/0 means "not given". */
struct main_opts {
	const char	*root, *host, *listen, *cert, *key, *conffile, *user;
	int		 port, gopher_port, workers, check, verbose;
};

static volatile sig_atomic_t	main_stop, main_child;

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

static void
main_copy(char *dst, size_t dstsize, const char *src, const char *what)
{
	if ((size_t)snprintf(dst, dstsize, "%s", src) >= dstsize)
		fatalx("%s too long: %s", what, src);
}

/* Config file first, then flags on top (they apply to the first host). */
static void
main_conf(const struct main_opts *o, struct conf *conf)
{
	struct conf_host	*h;
	char			 err[1200];

	conf_init(conf);
	if (o->conffile && conf_load(o->conffile, conf, err, sizeof(err)))
		fatalx("%s", err);
	if (conf->nhosts == 0) {
		conf->nhosts = 1;
		h = &conf->hosts[0];
		main_copy(h->name, sizeof(h->name), CONF_DEFAULT_HOST, "host");
		main_copy(h->root, sizeof(h->root), CONF_DEFAULT_ROOT, "root");
	}
	h = &conf->hosts[0];
	if (o->host)
		main_copy(h->name, sizeof(h->name), o->host, "host name");
	if (o->root)
		main_copy(h->root, sizeof(h->root), o->root, "root");
	if (o->cert)
		main_copy(h->cert, sizeof(h->cert), o->cert, "certificate");
	if (o->key)
		main_copy(h->key, sizeof(h->key), o->key, "key");
	if (o->listen)
		main_copy(conf->listen, sizeof(conf->listen), o->listen,
		    "listen address");
	if (o->user)
		main_copy(conf->user, sizeof(conf->user), o->user, "user");
	if (o->port)
		conf->port = o->port;
	if (o->gopher_port)
		conf->gopher_port = o->gopher_port;
	if (o->workers)
		conf->workers = o->workers;
	conf->verbose = o->verbose;
	if (conf_finish(conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (conf->workers == 0) {
		conf->workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (conf->workers < 1)
			conf->workers = 1;
		if (conf->workers > MAIN_WORKERS_MAX)
			conf->workers = MAIN_WORKERS_MAX;
	}
}

static void
main_open_roots(struct conf *conf)
{
	int	i;

	for (i = 0; i < conf->nhosts; i++) {
		conf->hosts[i].rootfd = open(conf->hosts[i].root,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (conf->hosts[i].rootfd == -1)
			fatal("root of %s: %s", conf->hosts[i].name,
			    conf->hosts[i].root);
	}
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
	if (sig == SIGCHLD)
		main_child = 1;
	else
		main_stop = 1;
}

static pid_t
main_spawn(const struct conf *conf, struct listener ls[][LISTEN_MAX],
    int nls, int id)
{
	pid_t	pid;
	int	w, i;

	if ((pid = fork()) != 0)
		return pid;
	signal(SIGCHLD, SIG_DFL);
	for (w = 0; w < conf->workers; w++)
		for (i = 0; w != id && i < nls; i++)
			close(ls[w][i].fd);
	sandbox_worker(conf);
	exit(worker_run(conf, ls[id], nls, id));
}

/* Restart workers that die, stop them all on SIGTERM/SIGINT. */
static int
main_supervise(const struct conf *conf, struct listener ls[][LISTEN_MAX],
    int nls, pid_t *pids)
{
	sigset_t	mask, old;
	pid_t		pid;
	int		status, w, alive = conf->workers;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	while (alive > 0) {
		while (!main_stop && !main_child)
			sigsuspend(&old);
		if (main_stop == 1) {
			log_info("stopping");
			for (w = 0; w < conf->workers; w++)
				if (pids[w] > 0)
					kill(pids[w], SIGTERM);
			main_stop = 2;
		}
		main_child = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (w = 0; w < conf->workers && pids[w] != pid; w++)
				;
			if (w == conf->workers)
				continue;
			pids[w] = -1;
			alive--;
			if (main_stop)
				continue;
			if (WIFSIGNALED(status))
				log_warnx("worker %d killed by signal %d; "
				    "restarting", w, WTERMSIG(status));
			else
				log_warnx("worker %d exited with %d; "
				    "restarting", w, WEXITSTATUS(status));
			sleep(1);	/* no busy loop if it dies at once */
			pids[w] = main_spawn(conf, ls, nls, w);
			if (pids[w] > 0)
				alive++;
		}
	}
	return 0;
}

static void
main_announce(const struct conf *conf, struct listener *ls, int nls)
{
	char	port[16] = "";
	int	i;

	for (i = 0; i < nls; i++)
		log_info("listening on %s (%s)", ls[i].name,
		    ls[i].proto == LISTEN_GEMINI ? "gemini" : "gopher");
	if (conf->public_port != CONF_DEFAULT_PORT)
		snprintf(port, sizeof(port), ":%d", conf->public_port);
	for (i = 0; i < conf->nhosts; i++)
		log_info("serving %s as gemini://%s%s/", conf->hosts[i].root,
		    conf->hosts[i].name, port);
	log_info("%d worker%s", conf->workers, conf->workers > 1 ? "s" : "");
}

int
main(int argc, char *argv[])
{
	static struct listener	 ls[MAIN_WORKERS_MAX][LISTEN_MAX];
	static struct conf	 conf;
	struct main_opts	 o;
	struct sigaction	 sa;
	pid_t			 pids[MAIN_WORKERS_MAX];
	char			 err[1200];
	int			 w, nls = 0;

	if (argc > 1 && strcmp(argv[1], "index") == 0)
		return indexcmd_main(argc - 1, argv + 1);
	memset(&o, 0, sizeof(o));
	main_flags(argc, argv, &o);
	log_init("capsuled", o.verbose);
	main_conf(&o, &conf);
	main_open_roots(&conf);
	if (tls_init(&conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (mime_init() == -1)
		log_warnx("libmagic database not loaded: unknown file "
		    "types are served as application/octet-stream");
	if (o.check) {
		sandbox_report(&conf);
		if (o.check > 1)
			conf_print(&conf, stdout);
		fprintf(stderr, "configuration OK\n");
		return 0;
	}
	for (w = 0; w < conf.workers; w++)
		nls = main_bind(&conf, ls[w]);
	main_announce(&conf, ls[0], nls);
	sandbox_drop(&conf);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (w = 0; w < conf.workers; w++)
		pids[w] = main_spawn(&conf, ls, nls, w);
	main_supervise(&conf, ls, nls, pids);
	tls_free();
	mime_free();
	conf_free(&conf);
	log_info("stopped");
	return 0;
}
