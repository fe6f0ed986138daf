/* test_indexcmd.c: the `capsuled index` subcommand end to end. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>

#include "test.h"
#include "indexcmd.h"

/* Run indexcmd_main on a NULL-terminated argument list. */
static int
run(char **args)
{
	int	argc = 0;

	while (args[argc] != NULL)
		argc++;
	return indexcmd_main(argc, args);
}

static int
file_has(const char *dir, const char *name, const char *s)
{
	char	path[256], data[2048];
	FILE	*f;
	size_t	n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || (f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	return strstr(data, s) != NULL;
}

static int
put_post(const char *dir)
{
	static const char	post[] = "# Hello & bye\n";
	int			dfd, fd, rv = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	fd = openat(dfd, "2026-01-01-hi.gmi", O_WRONLY | O_CREAT | O_CLOEXEC,
	    0644);
	if (fd != -1 && write(fd, post, strlen(post)) ==
	    (ssize_t)strlen(post))
		rv = 0;
	if (fd != -1)
		close(fd);
	close(dfd);
	return rv;
}

int
main(void)
{
	char	 dir[] = "/tmp/test_indexcmd.XXXXXX", cmd[64];
	char	*ok[] = { "index", "-o", dir, "-u", "gemini://h/log/",
		    "-t", "Log", dir, NULL };
	char	*noarg[] = { "index", NULL };
	char	*both[] = { "index", "-a", "-o", dir, dir, NULL };
	char	*missing[] = { "index", "/nonexistent/dir", NULL };

	/* test_guarded() is for parsers; this module has none. */
	(void)test_guarded;
	if (mkdtemp(dir) == NULL || put_post(dir) == -1) {
		CHECK(0, "fixture");
		return test_done("indexcmd");
	}
	CHECK(run(ok) == 0, "index written to a directory");
	CHECK(file_has(dir, "index.gmi",
	    "# Posts\n\n=> 2026-01-01-hi.gmi 2026-01-01 Hello & bye\n"),
	    "index.gmi");
	CHECK(file_has(dir, "atom.xml", "<title>Hello &amp; bye</title>"),
	    "atom.xml");
	CHECK(file_has(dir, "atom.xml", "<id>gemini://h/log/</id>"),
	    "base URL from -u");
	CHECK(!file_has(dir, ".index.gmi.tmp", ""), "no temporary left");
	CHECK(run(noarg) == 2, "no directory is a usage error");
	CHECK(run(both) == 2, "-a with -o is a usage error");
	CHECK(run(missing) == 1, "a missing directory is an error");
	if (snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) < (int)sizeof(cmd))
		CHECK(system(cmd) == 0, "cleanup");
	return test_done("indexcmd");
}
