/*
 * test_serve.c: the routing both front ends share: errno to status, the
 * base URL, what answers a path, and the locations in force.
 */
#include <sys/stat.h>

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

static void
route(const char *path, const char *dirmap, struct serve_result *r)
{
	struct request_ctx	ctx;

	fixture_ctx(&ctx);
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
	CHECK(r.kind == SERVE_FILE && r.fd != -1 && r.size == 4 &&
	    r.loc == NULL, "a file, no location");
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

int
main(void)
{
	fixture_make_root();
	fixture_write("page.gmi", "page");
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
	fixture_cleanup();
	return test_done("serve");
}
