/* test_fsroot.c: nothing outside the root, dot-files hidden. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"
#include "fsroot.h"

static char	base[] = "/tmp/capsuled-fsroot-XXXXXX";

static void
mkfile(const char *rel, const char *content)
{
	char	path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(content, fp);
		fclose(fp);
	}
}

static int
opens(int rootfd, const char *path, int flags)
{
	int	fd = fsroot_open(rootfd, path, flags);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

int
main(void)
{
	char	path[256];
	int	rootfd;

	if (mkdtemp(base) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/root", base);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root/sub", base);
	mkdir(path, 0755);
	mkfile("secret.txt", "outside\n");
	mkfile("root/page.gmi", "# page\n");
	mkfile("root/.hidden", "hidden\n");
	mkfile("root/sub/a.txt", "a\n");
	snprintf(path, sizeof(path), "%s/root/out", base);
	CHECK(symlink("../secret.txt", path) == 0, "fixture: symlink");
	snprintf(path, sizeof(path), "%s/root/abs", base);
	CHECK(symlink("/etc/passwd", path) == 0, "fixture: symlink");
	snprintf(path, sizeof(path), "%s/root/in", base);
	CHECK(symlink("page.gmi", path) == 0, "fixture: symlink");
	snprintf(path, sizeof(path), "%s/root/loop1", base);
	CHECK(symlink("loop2", path) == 0, "fixture: symlink");
	snprintf(path, sizeof(path), "%s/root/loop2", base);
	CHECK(symlink("loop1", path) == 0, "fixture: symlink");
	snprintf(path, sizeof(path), "%s/root", base);
	rootfd = open(path, O_RDONLY | O_DIRECTORY);

	CHECK(opens(rootfd, "/page.gmi", O_RDONLY), "a plain file");
	CHECK(opens(rootfd, "/", O_RDONLY | O_DIRECTORY), "the root itself");
	CHECK(opens(rootfd, "/sub/a.txt", O_RDONLY), "a nested file");
	CHECK(!opens(rootfd, "/.hidden", O_RDONLY), "dot-file hidden");
	CHECK(errno == ENOENT, "hidden looks like not found");
	CHECK(!opens(rootfd, "/sub/../.hidden", O_RDONLY),
	    "dot segment refused even unnormalised");
	CHECK(!opens(rootfd, "/../secret.txt", O_RDONLY),
	    "'..' refused even if normalisation were skipped");
	CHECK(!opens(rootfd, "/out", O_RDONLY), "relative symlink out refused");
	CHECK(!opens(rootfd, "/abs", O_RDONLY), "absolute symlink refused");
	CHECK(opens(rootfd, "/in", O_RDONLY), "symlink inside the root works");
	CHECK(!opens(rootfd, "/loop1", O_RDONLY), "symlink loop fails");
	CHECK(!opens(rootfd, "page.gmi", O_RDONLY), "relative path refused");
	close(rootfd);
	snprintf(path, sizeof(path), "rm -rf '%s'", base);
	if (system(path) != 0)
		return 2;
	return test_done("fsroot");
}
