/*
 * test_serve.c: the routing both front ends share: errno to status, the
 * base URL, what answers a path, and the locations in force.
 */
#include <sys/stat.h>

#include <time.h>

#include "test.h"
#include "fixture.h"
#include "serve.h"

static const struct {
	int		 err;
	int		 status;
	const char	*meta;
	const char	*why;
} errno_cases[] = {
	{ ENOENT, 51, "not found", "not found is 51" },
	{ EXDEV, 51, "not found", "an escape attempt is 51" },
	{ ELOOP, 51, "not found", "a symlink refused is 51" },
	{ EACCES, 51, "not found", "unreadable is 51, not a hint" },
	{ ENAMETOOLONG, 51, "not found", "too long is 51" },
	{ EMFILE, 44, "60", "out of descriptors: slow down" },
	{ ENOMEM, 44, "60", "out of memory: slow down" },
	{ EIO, 40, "temporary failure", "an I/O error is 40" },
};

static void
test_errno(void)
{
	const char	*meta;
	size_t		 i;

	for (i = 0; i < sizeof(errno_cases) / sizeof(errno_cases[0]); i++) {
		meta = NULL;
		CHECK(serve_errno_status(errno_cases[i].err, &meta) ==
		    errno_cases[i].status, errno_cases[i].why);
		CHECK(meta != NULL && strcmp(meta, errno_cases[i].meta) == 0,
		    errno_cases[i].why);
	}
}

static void
test_base_url(void)
{
	char	buf[64];

	fixture_conf.public_port = 1965;
	CHECK(serve_base_url(&fixture_conf, &fixture_conf.hosts[0], buf,
	    sizeof(buf)) == 0 && strcmp(buf, "gemini://localhost") == 0,
	    "the default port is left out");
	fixture_conf.public_port = 1966;
	CHECK(serve_base_url(&fixture_conf, &fixture_conf.hosts[0], buf,
	    sizeof(buf)) == 0 && strcmp(buf, "gemini://localhost:1966") == 0,
	    "another port is written");
	CHECK(serve_base_url(&fixture_conf, &fixture_conf.hosts[0], buf,
	    10) == -1, "a buffer too small says so");
	fixture_conf.public_port = 1965;
}

static long long	clock_ms = 1000000;

/* Route path at the test's clock (the cache's time). */
static void
route(const char *path, const char *dirmap, struct serve_result *r)
{
	struct request_ctx	ctx;

	fixture_ctx(&ctx);
	ctx.now_ms = clock_ms;
	serve_route(&ctx, &fixture_conf.hosts[0], path, dirmap, r);
}

static void
done(struct serve_result *r)
{
	if (r->fd != -1)
		close(r->fd);
}

static void
test_route(void)
{
	const struct conf_host	*h = &fixture_conf.hosts[0];
	struct serve_result	 r;
	char			 fifo[300];

	route("/page.gmi", NULL, &r);
	CHECK(r.kind == SERVE_FILE && r.fd == -1 && r.size == 4 &&
	    r.body != NULL && memcmp(r.body, "page", 4) == 0 && r.loc == NULL,
	    "a small file, from memory, no location");
	route("/big.bin", NULL, &r);
	CHECK(r.kind == SERVE_FILE && r.fd != -1 && r.body == NULL &&
	    r.size == SERVE_CACHE_FILE_MAX + 1, "a large file, by its fd");
	done(&r);
	route("/dir/", NULL, &r);
	CHECK(r.kind == SERVE_FILE && strcmp(r.path, "/dir/index.gmi") == 0,
	    "a directory answered by its index.gmi");
	CHECK(r.loc == &h->locations[0],
	    "the index file's location is the one in force");
	done(&r);
	route("/map/", NULL, &r);
	CHECK(r.kind == SERVE_FILE && strcmp(r.path, "/map/index.gmi") == 0,
	    "a gophermap only where it is asked for");
	done(&r);
	route("/map/", "gophermap", &r);
	CHECK(r.kind == SERVE_DIRMAP && strcmp(r.path, "/map/gophermap") == 0,
	    "the dirmap first where asked for");
	done(&r);
	route("/empty/", NULL, &r);
	CHECK(r.kind == SERVE_DIR && r.fd != -1, "a directory to list");
	done(&r);
	route("/empty", NULL, &r);
	CHECK(r.kind == SERVE_REDIRECT && r.fd == -1, "a directory's slash");
	route("/posts/atom.xml", NULL, &r);
	CHECK(r.kind == SERVE_GEMLOG_ATOM && r.doc != NULL &&
	    strstr(r.doc->data, "gemini://localhost/posts/") != NULL,
	    "a feed with our base URL");
	route("/locked/", NULL, &r);
	CHECK(r.kind == SERVE_DENIED && r.status == 60 && r.fd == -1,
	    "a guarded index closes what it opened");
	route("/gone", NULL, &r);
	CHECK(r.kind == SERVE_DENIED && r.status == 52 &&
	    strcmp(r.meta, "gone /gone") == 0,
	    "a block needs no file behind it");
	route("/.hidden", NULL, &r);
	CHECK(r.kind == SERVE_ERROR && r.status == 51 &&
	    strcmp(r.meta, "not found") == 0, "a dot-file");
	snprintf(fifo, sizeof(fifo), "%s/fifo", fixture_root);
	if (mkfifo(fifo, 0644) == 0) {
		route("/fifo", NULL, &r);
		CHECK(r.kind == SERVE_ERROR && r.status == 51 && r.fd == -1,
		    "a FIFO is never read");
	}
}

/* Make root/rel hold text, with an mtime old enough not to be racy. */
static void
write_old(const char *rel, const char *text)
{
	char		path[512];
	struct timespec	ts[2];

	fixture_write(rel, text);
	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 100;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

/*
 * The file cache: answers from memory for up to a second, then checks
 * the path again with every rule, and sees any change of the file.
 */
static void
test_cache(void)
{
	struct serve_result	r;
	struct timespec		ts[2];
	char			path[512];

	write_old("hot.gmi", "old text\n");
	clock_ms += 10000;
	route("/hot.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "old text\n") == 0,
	    "read and kept");
	write_old("hot.gmi", "new text\n");
	clock_ms += 500;
	route("/hot.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "old text\n") == 0,
	    "within the second, from memory without looking");
	clock_ms += 600;
	route("/hot.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "new text\n") == 0,
	    "after it, the change is seen");
	write_old("hot.gmi", "NEW text\n");
	clock_ms += 1000;
	route("/hot.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "NEW text\n") == 0,
	    "a change of the same size and an older mtime is seen too");

	snprintf(path, sizeof(path), "%s/hot.gmi", fixture_root);
	unlink(path);
	fixture_symlink("/etc/hostname", "hot.gmi");
	clock_ms += 1000;
	route("/hot.gmi", NULL, &r);
	CHECK(r.kind == SERVE_ERROR && r.status == 51 && r.body == NULL,
	    "a symlink out of the root is refused at the recheck");
	unlink(path);
	clock_ms += 1000;
	route("/hot.gmi", NULL, &r);
	CHECK(r.kind == SERVE_ERROR && r.status == 51, "a removed file");

	/* A write that keeps inode, size and mtime (as a second write within
	 * a coarse timestamp's tick would): only the racy rule sees it. */
	fixture_write("racy.gmi", "two\n");
	snprintf(path, sizeof(path), "%s/racy.gmi", fixture_root);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
	clock_ms += 1000;
	route("/racy.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "two\n") == 0,
	    "a file written just now");
	fixture_write("racy.gmi", "TWO\n");
	utimensat(AT_FDCWD, path, ts, 0);
	clock_ms += 1000;
	route("/racy.gmi", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.body, "TWO\n") == 0,
	    "a racy entry is read again at its check");

	write_old("dir2/index.gmi", "index\n");
	clock_ms += 1000;
	route("/dir2/", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.path, "/dir2/index.gmi") == 0,
	    "a directory's index is kept under the directory's path");
	route("/dir2/", NULL, &r);
	CHECK(r.body != NULL && strcmp(r.path, "/dir2/index.gmi") == 0,
	    "and answered with the index's own path (for its location)");
}

int
main(void)
{
	fixture_make_root();
	fixture_write("page.gmi", "page");
	{
		static char	big[SERVE_CACHE_FILE_MAX + 1];

		fixture_write_bytes("big.bin", big, sizeof(big));
	}
	fixture_write("dir/index.gmi", "# Dir\n");
	fixture_write("map/index.gmi", "# Map\n");
	fixture_write("map/gophermap", "menu\n");
	fixture_write("empty/.keep", "");
	fixture_write("posts/.gemlog", "");
	fixture_write("posts/2026-01-01-a.gmi", "# A\n");
	fixture_write("locked/index.gmi", "# Locked\n");
	fixture_write(".hidden", "x\n");
	fixture_load("server \"localhost\" {\n"
	    "	root \"@ROOT@\"\n"
	    "	location \"/dir/index.gmi\" { lang \"de\" }\n"
	    "	location \"/dir/*\" { lang \"fr\" }\n"
	    "	location \"/locked/index.gmi\" { require-client-cert }\n"
	    "	location \"/gone\" { block return 52 \"gone %p\" }\n"
	    "}\n");
	test_errno();
	test_base_url();
	test_route();
	test_cache();
	serve_cache_free();
	fixture_cleanup();
	return test_done("serve");
}
