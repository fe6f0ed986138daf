/* test_dirindex.c: gemtext directory listings. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>

#include "test.h"
#include "buf.h"
#include "dirindex.h"

static void
test_write(void)
{
	struct dirindex_entry	 e[] = {
		{ "\xc3\xa9", 0 },
		{ "z#?%.txt", 0 },
		{ "b", 0 },
		{ ".hidden", 0 },
		{ "ctl\nx", 0 },
		{ "a dir", 1 },
		{ "x:y", 0 },
		{ "bad\xff", 0 },
		{ "..", 1 },
		{ "nel\xc2\x85", 0 },
	};
	struct buf		 b = { NULL, 0, 0 };

	/* The NUL is the last readable byte: no read past the path. */
	CHECK(dirindex_write(test_guarded("/p q/", 6), e, sizeof(e) / sizeof(e[0]), &b) == 0,
	    "listing written");
	CHECK(b.data != NULL && strcmp(b.data,
	    "# Index of /p q/\n\n"
	    "=> a%20dir/ a dir/\n"
	    "=> b b\n"
	    "=> bad%FF bad\xef\xbf\xbd\n"
	    "=> ctl%0Ax ctl?x\n"
	    "=> nel%C2%85 nel?\n"
	    "=> x%3Ay x:y\n"
	    "=> z%23%3F%25.txt z#?%.txt\n"
	    "=> %C3%A9 \xc3\xa9\n") == 0,
	    "sorted by strcmp, dot-files skipped, directories get '/', "
	    "names encoded in the URL and cleaned in the label");
	buf_reset(&b);
	CHECK(dirindex_write("/a\r\nb/", NULL, 0, &b) == 0 &&
	    strcmp(b.data, "# Index of /a??b/\n\n") == 0,
	    "control bytes in the path cannot break the heading");
	buf_free(&b);
}

static void
test_scan(void)
{
	char		 dir[] = "/tmp/test_dirindex.XXXXXX", cmd[64];
	struct buf	 b = { NULL, 0, 0 };
	int		 dfd, fd, ok;

	if (mkdtemp(dir) == NULL ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		CHECK(0, "temporary directory");
		return;
	}
	ok = (fd = openat(dfd, "b.txt", O_WRONLY | O_CREAT, 0644)) != -1 &&
	    close(fd) == 0 &&
	    (fd = openat(dfd, ".dot", O_WRONLY | O_CREAT, 0644)) != -1 &&
	    close(fd) == 0 &&
	    mkdirat(dfd, "adir", 0755) == 0 &&
	    symlinkat("adir", dfd, "lnk") == 0;
	CHECK(ok, "fixture created");
	CHECK(dirindex_scan(dfd, "/x/", &b) == 0, "scan works");
	CHECK(b.data != NULL && strcmp(b.data, "# Index of /x/\n\n"
	    "=> adir/ adir/\n=> b.txt b.txt\n=> lnk lnk\n") == 0,
	    "symlink to a directory listed as a file, dot-file hidden");
	CHECK(lseek(dfd, 0, SEEK_CUR) == 0, "dirfd offset not moved");
	buf_reset(&b);
	CHECK(dirindex_scan(dfd, "/x/", &b) == 0 && strstr(b.data,
	    "=> b.txt") != NULL, "second scan of the same dirfd works");
	CHECK(dirindex_scan(-1, "/x/", &b) == -1, "bad dirfd fails");
	buf_free(&b);
	close(dfd);
	if (snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) < (int)sizeof(cmd))
		CHECK(system(cmd) == 0, "cleanup");
}

int
main(void)
{
	test_write();
	test_scan();
	return test_done("dirindex");
}
