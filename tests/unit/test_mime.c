/* test_mime.c: the extension table and libmagic fallback. */
#include <fcntl.h>
#include <stdlib.h>

#include "test.h"
#include "mime.h"

static const struct {
	const char	*name, *type, *why;
} cases[] = {
	{ "a.gmi", "text/gemini", ".gmi is gemtext" },
	{ "a.gemini", "text/gemini", ".gemini is gemtext" },
	{ "A.GMI", "text/gemini", "case-insensitive" },
	{ "/dir.d/file", NULL, "dot in a directory name is no extension" },
	{ "noext", NULL, "no extension" },
	{ "trailing.", NULL, "empty extension" },
	{ "x.png", "image/png", "png" },
	{ "x.txt", "text/plain", "txt" },
	{ "x.atom", "application/atom+xml", "first table entry" },
	{ "x.zip", "application/zip", "last table entry" },
	{ "x.unknownext", NULL, "unknown extension" },
	{ "x.htm", "text/html", "htm sorts before html" },
};

int
main(void)
{
	char		 tmpl[] = "/tmp/capsuled-mime-XXXXXX", buf[160];
	const char	*m;
	size_t		 i;
	int		 fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = mime_from_name(cases[i].name);
		CHECK(cases[i].type == NULL ? m == NULL :
		    m != NULL && strcmp(m, cases[i].type) == 0, cases[i].why);
	}
	CHECK(mime_init() == 0, "magic database loads");
	fd = mkstemp(tmpl);
	CHECK(write(fd, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) == 16, "write");
	lseek(fd, 0, SEEK_SET);
	CHECK(strcmp(mime_from_fd(fd, buf, sizeof(buf)), "image/png") == 0,
	    "libmagic finds PNG without charset=binary");
	CHECK(lseek(fd, 0, SEEK_CUR) == 0, "offset rewound for sending");
	CHECK(ftruncate(fd, 0) == 0, "truncate");
	lseek(fd, 0, SEEK_SET);
	CHECK(write(fd, "caf\xe9 latin-1 text\n", 18) == 18, "write");
	lseek(fd, 0, SEEK_SET);
	m = mime_from_fd(fd, buf, sizeof(buf));
	CHECK(strncmp(m, "text/plain; charset=", 20) == 0,
	    "non-UTF-8 text carries its charset");
	CHECK(ftruncate(fd, 0) == 0, "truncate");
	lseek(fd, 0, SEEK_SET);
	CHECK(write(fd, "plain ascii\n", 12) == 12, "write");
	lseek(fd, 0, SEEK_SET);
	CHECK(strcmp(mime_from_fd(fd, buf, sizeof(buf)), "text/plain") == 0,
	    "ASCII text needs no charset");
	close(fd);
	unlink(tmpl);
	mime_free();
	return test_done("mime");
}
