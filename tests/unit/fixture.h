/*
 * fixture.h: a capsule on disk, a configuration over it and a request
 * context, for the tests that call the responders and the router
 * without a socket (test_gemini.c, test_gopher.c, test_serve.c).
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsuled.h"
#include "conf.h"
#include "ratelimit.h"
#include "reply.h"

/* Client certificate fingerprints: one on the lists, one not. */
#define FPR_GOOD \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FPR_OTHER \
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static char		fixture_root[256];
static struct conf	fixture_conf;
static struct ratelimit	fixture_rl;

/* Write len bytes to root/rel, making the directories on the way. */
static void
fixture_write_bytes(const char *rel, const void *bytes, size_t len)
{
	char	path[512], *slash;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	for (slash = strchr(path + strlen(fixture_root) + 1, '/');
	    slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			perror(path);
			exit(2);
		}
		*slash = '/';
	}
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(bytes, 1, len, f) != len || fclose(f) == EOF) {
		perror(path);
		exit(2);
	}
}

static void
fixture_write(const char *rel, const char *text)
{
	fixture_write_bytes(rel, text, strlen(text));
}

static __attribute__((unused)) void
fixture_symlink(const char *target, const char *rel)
{
	char	path[512];

	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	if (symlink(target, path) == -1) {
		perror(path);
		exit(2);
	}
}

/* An empty capsule root in a fresh temporary directory. */
static void
fixture_make_root(void)
{
	snprintf(fixture_root, sizeof(fixture_root),
	    "%s/capsuled-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(fixture_root) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

/*
 * The configuration text, "@ROOT@" standing for the fixture root,
 * parsed and finished as capsuled does, with the roots opened.
 */
static void
fixture_load(const char *text)
{
	char		 conf[8192], err[1200];
	const char	*at;
	size_t		 n = 0;
	int		 i;

	while ((at = strstr(text, "@ROOT@")) != NULL) {
		n += (size_t)snprintf(conf + n, sizeof(conf) - n, "%.*s%s",
		    (int)(at - text), text, fixture_root);
		text = at + 6;
	}
	snprintf(conf + n, sizeof(conf) - n, "%s", text);
	conf_free(&fixture_conf);
	conf_init(&fixture_conf);
	if (conf_parse(conf, strlen(conf), "fixture", &fixture_conf, err,
	    sizeof(err)) == -1 ||
	    conf_finish(&fixture_conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "fixture config: %s\n", err);
		exit(2);
	}
	for (i = 0; i < fixture_conf.nhosts; i++) {
		fixture_conf.hosts[i].rootfd = open(fixture_conf.hosts[i].root,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fixture_conf.hosts[i].rootfd == -1) {
			perror(fixture_root);
			exit(2);
		}
	}
	ratelimit_init(&fixture_rl, fixture_conf.rate / 60.0,
	    fixture_conf.burst);
}

/* A client with no certificate and no SNI, from 192.0.2.1. */
static __attribute__((unused)) void
fixture_ctx(struct request_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->conf = &fixture_conf;
	ctx->ratelimit = &fixture_rl;
	ctx->now_ms = 1000000;
	ctx->fd = -1;
	ctx->addr = "192.0.2.1";
	ctx->sni = "";
	ctx->sni_host = -1;
	ctx->cert = REQUEST_CERT_NONE;
	ctx->fingerprint = "";
}

/* The reply's header is "NN meta..." with meta starting as given, and
 * its status is NN for the log too. */
static __attribute__((unused)) int
fixture_header_is(const struct reply *r, int status, const char *meta)
{
	char	want[16];

	snprintf(want, sizeof(want), "%02d ", status);
	return r->out.len >= 5 && strncmp(r->out.data, want, 3) == 0 &&
	    strncmp(r->out.data + 3, meta, strlen(meta)) == 0 &&
	    strstr(r->out.data, "\r\n") != NULL && r->status == status;
}

/* How many names in the directory root/rel start with prefix (uploads'
 * temporary files); -1 when it cannot be read. */
static __attribute__((unused)) int
fixture_count(const char *rel, const char *prefix)
{
	struct dirent	*de;
	char		 path[512];
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* A responder given the first len bytes of a request that is not yet
 * whole: it waits (0) and answers nothing.  1 when so. */
static __attribute__((unused)) int
fixture_waits(reply_fn *respond, const char *partial, size_t len)
{
	struct request_ctx	ctx;
	struct reply		r;
	int			ok;

	fixture_ctx(&ctx);
	reply_init(&r);
	ok = respond(&ctx, partial, len, &r) == 0 && r.status == 0 &&
	    r.out.len == 0 && r.source == REPLY_MEMORY;
	reply_free(&r);
	return ok;
}

static void
fixture_cleanup(void)
{
	char	cmd[300];
	int	i;

	for (i = 0; i < fixture_conf.nhosts; i++)
		if (fixture_conf.hosts[i].rootfd != -1)
			close(fixture_conf.hosts[i].rootfd);
	conf_free(&fixture_conf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture_root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fixture_root);
}

#endif
