/*
 * test_upload.c: atomic writes beneath a root (upload.c) on a real
 * directory: what is refused and with which errno, that a commit
 * replaces the file whole and leaves no temporary file, that an abort
 * leaves nothing, that two writers to one path leave one of them whole,
 * and that the start-up sweep removes only our leftovers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "test.h"
#include "fixture.h"
#include "log.h"
#include "upload.h"

static int	rootfd;

static const char conf_text[] =
    "server \"localhost\" {\n"
    "	root \"@ROOT@\"\n"
    "	location \"/posts/*\" { titan on\n titan-token \"t\" }\n"
    "	location \"/nowhere/*\" { titan on\n titan-token \"t\" }\n"
    "}\n";

/* The whole content of root/rel into buf; its length, or -1. */
static ssize_t
slurp(const char *rel, char *buf, size_t size)
{
	char	path[512];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", fixture_root, rel);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* How many of our temporary files the directory root/rel holds. */
static int
temps(const char *rel)
{
	return fixture_count(rel, UPLOAD_TMP_PREFIX);
}

static int
put(const char *path, const char *text)
{
	struct upload	up;
	size_t		len = strlen(text);

	if (upload_begin(rootfd, path, &up) == -1)
		return -1;
	if (write(up.fd, text, len) != (ssize_t)len) {
		upload_abort(&up);
		return -1;
	}
	return upload_commit(&up);
}

static const struct {
	const char	*path;
	int		 err;		/* 0: accepted */
	const char	*why;
} refusals[] = {
	{ "/posts/new.gmi", 0, "a new file in an existing directory" },
	{ "/posts/", EISDIR, "a path ending in '/'" },
	{ "/posts/sub", EISDIR, "a directory as the target" },
	{ "/posts/.hidden", EPERM, "a dot-file" },
	{ "/posts/.git/config", ENOENT, "inside a dot-directory" },
	{ "/posts/missing/a.gmi", ENOENT, "a directory that is not there" },
	{ "/posts/link.gmi", ELOOP, "a symlink as the target" },
	{ "/linkdir/a.gmi", ELOOP, "a symlink on the way, even inside" },
	{ "/posts/fifo", EINVAL, "a FIFO as the target" },
};

static void
test_refusals(void)
{
	struct upload	up;
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		errno = 0;
		rc = upload_begin(rootfd, refusals[i].path, &up);
		if (refusals[i].err == 0) {
			CHECK(rc == 0, refusals[i].why);
			if (rc == 0)
				upload_abort(&up);
			continue;
		}
		CHECK(rc == -1 && errno == refusals[i].err, refusals[i].why);
		if (rc != -1 || errno != refusals[i].err)
			fprintf(stderr, "  %s: rc %d errno %d\n",
			    refusals[i].path, rc, errno);
	}
	CHECK(temps("posts") == 0, "no temporary file is left by them");
}

static void
test_commit_and_abort(void)
{
	struct upload	up;
	char		buf[256];
	ssize_t		n;

	CHECK(put("/posts/a.gmi", "# First\n") == 0, "a new file");
	n = slurp("posts/a.gmi", buf, sizeof(buf));
	CHECK(n == 8 && memcmp(buf, "# First\n", 8) == 0, "its bytes");
	CHECK(put("/posts/a.gmi", "# Second, longer\n") == 0,
	    "replacing it");
	n = slurp("posts/a.gmi", buf, sizeof(buf));
	CHECK(n == 17 && memcmp(buf, "# Second, longer\n", 17) == 0,
	    "the new bytes, whole");
	CHECK(temps("posts") == 0, "no temporary file after commits");
	CHECK(upload_begin(rootfd, "/posts/a.gmi", &up) == 0 &&
	    write(up.fd, "# Half", 6) == 6, "an upload started");
	CHECK(temps("posts") == 1, "its bytes wait in a dot-file");
	n = slurp("posts/a.gmi", buf, sizeof(buf));
	CHECK(n == 17, "readers still see the old file meanwhile");
	upload_abort(&up);
	CHECK(temps("posts") == 0, "abort removes the temporary file");
	n = slurp("posts/a.gmi", buf, sizeof(buf));
	CHECK(n == 17 && memcmp(buf, "# Second", 8) == 0,
	    "and leaves the target as it was");
	CHECK(put("/root.gmi", "x") == 0, "a file in the root itself");
}

/* Two writers, interleaved: the last rename wins, each file whole. */
static void
test_two_writers(void)
{
	struct upload	a, b;
	char		buf[64];
	ssize_t		n;

	CHECK(upload_begin(rootfd, "/posts/both.gmi", &a) == 0 &&
	    upload_begin(rootfd, "/posts/both.gmi", &b) == 0,
	    "two uploads to one path at once");
	CHECK(strcmp(a.tmp, b.tmp) != 0, "each has its own temporary file");
	CHECK(write(a.fd, "AAAA", 4) == 4 && write(b.fd, "BBBBBB", 6) == 6 &&
	    write(a.fd, "AAAA", 4) == 4, "their bytes interleave");
	CHECK(upload_commit(&b) == 0 && upload_commit(&a) == 0,
	    "both commit");
	n = slurp("posts/both.gmi", buf, sizeof(buf));
	CHECK(n == 8 && memcmp(buf, "AAAAAAAA", 8) == 0,
	    "the file is one of them, whole");
	CHECK(temps("posts") == 0, "no temporary file is left");
}

static void
test_remove(void)
{
	CHECK(upload_remove(rootfd, "/posts/a.gmi") == 0, "remove a file");
	CHECK(slurp("posts/a.gmi", NULL, 0) == -1 && errno == ENOENT,
	    "it is gone");
	CHECK(upload_remove(rootfd, "/posts/a.gmi") == -1 && errno == ENOENT,
	    "removing it again: ENOENT");
	CHECK(upload_remove(rootfd, "/posts/sub") == -1 && errno == EISDIR,
	    "a directory is not removed");
	CHECK(upload_remove(rootfd, "/posts/link.gmi") == -1 &&
	    errno == ELOOP, "a symlink is not removed");
	CHECK(slurp("outside.txt", NULL, 0) != -1 || errno != ENOENT,
	    "the symlink's target stays");
}

/* Leftovers of a crash go at the next start; nothing else does. */
static void
test_sweep(void)
{
	struct upload	up;

	fixture_write("posts/" UPLOAD_TMP_PREFIX "0011223344556677", "x");
	fixture_write("posts/sub/" UPLOAD_TMP_PREFIX "8899aabbccddeeff", "x");
	fixture_write("posts/.keep", "x");
	fixture_write("posts/.git/" UPLOAD_TMP_PREFIX "0000000000000000", "x");
	fixture_write(UPLOAD_TMP_PREFIX "ffffffffffffffff", "x");
	upload_dirs_open(&fixture_conf);
	CHECK(fixture_conf.hosts[0].locations[0].titan.dirfd != -1,
	    "the upload directory is opened");
	CHECK(fixture_conf.hosts[0].locations[1].titan.dirfd == -1,
	    "one that is not there is not");
	CHECK(upload_sweep(&fixture_conf) == 2, "two leftovers removed");
	CHECK(temps("posts") == 0 && temps("posts/sub") == 0,
	    "beneath the upload directory, subdirectories too");
	CHECK(slurp("posts/.keep", NULL, 0) != -1 || errno != ENOENT,
	    "other dot-files stay");
	CHECK(temps("posts/.git") == 1, "dot-directories are not entered");
	CHECK(temps(".") == 1, "outside the upload directories: untouched");
	CHECK(upload_begin(rootfd, "/posts/c.gmi", &up) == 0, "an upload");
	upload_abort(&up);
	upload_dirs_close(&fixture_conf);
	CHECK(fixture_conf.hosts[0].locations[0].titan.dirfd == -1,
	    "closed again");
}

int
main(void)
{
	char	path[512];

	log_init("test_upload", 0);
	fixture_make_root();
	fixture_write("posts/sub/x.gmi", "x");
	fixture_write("posts/.git/config", "x");
	fixture_write("outside.txt", "outside\n");
	fixture_symlink("../outside.txt", "posts/link.gmi");
	fixture_symlink("posts", "linkdir");
	snprintf(path, sizeof(path), "%s/posts/fifo", fixture_root);
	if (mkfifo(path, 0644) == -1) {
		perror("mkfifo");
		return 2;
	}
	fixture_load(conf_text);
	rootfd = fixture_conf.hosts[0].rootfd;
	test_refusals();
	test_commit_and_abort();
	test_two_writers();
	test_remove();
	test_sweep();
	fixture_cleanup();
	return test_done("upload");
}
