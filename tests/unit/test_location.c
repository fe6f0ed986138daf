/* test_location.c: location matching, expansion, MIME overrides. */
#include <stdlib.h>

#include "test.h"
#include "location.h"
#include "vhost.h"

static const struct {
	const char	*pattern, *name;
	int		 match;
	const char	*why;
} vhost_cases[] = {
	{ "example.org", "example.org", 1, "exact" },
	{ "example.org", "EXAMPLE.org", 1, "case-insensitive" },
	{ "*.example.org", "www.example.org", 1, "wildcard one label" },
	{ "*.example.org", "a.b.example.org", 1, "wildcard two labels" },
	{ "*.example.org", "example.org", 0, "wildcard needs a label" },
	{ "*.example.org", "badexample.org", 0, "wildcard is label-aligned" },
	{ "example.org", "example.org.evil", 0, "no prefix match" },
};

/* Where uploads beneath a pattern can land: the sandbox's write root. */
static const struct {
	const char	*pattern;
	const char	*dir;
	const char	*why;
} dir_cases[] = {
	{ "/posts/*", "/posts/", "a directory's files" },
	{ "/posts/*.gmi", "/posts/", "a suffix within a directory" },
	{ "/a/b/c.gmi", "/a/b/", "one file: its directory" },
	{ "/posts", "/", "no slash after: its parent" },
	{ "*.gmi", "/", "a leading star crosses '/': the root" },
	{ "*", "/", "everything" },
	{ "/a*/x", "/", "a star in the first segment" },
	{ "/a/b?/x", "/a/", "'?' is a wildcard too" },
	{ "/a/[bc]/x", "/a/", "and '['" },
	{ "/a/\\*/x", "/a/", "and an escape" },
};

int
main(void)
{
	struct conf_host	*h = calloc(1, sizeof(*h));
	char			 out[64];
	size_t			 i;

	for (i = 0; i < sizeof(vhost_cases) / sizeof(vhost_cases[0]); i++)
		CHECK(vhost_match(vhost_cases[i].pattern, vhost_cases[i].name) ==
		    vhost_cases[i].match, vhost_cases[i].why);

	snprintf(h->locations[0].pattern, sizeof(h->locations[0].pattern),
	    "/private/*");
	snprintf(h->locations[1].pattern, sizeof(h->locations[1].pattern),
	    "*.txt");
	snprintf(h->locations[2].pattern, sizeof(h->locations[2].pattern),
	    "/private/x.txt");
	h->nlocations = 3;
	CHECK(location_match(h, "/private/a/b.gmi") == &h->locations[0],
	    "'*' crosses '/'");
	CHECK(location_match(h, "/private/x.txt") == &h->locations[0],
	    "first match wins over a later exact pattern");
	CHECK(location_match(h, "/notes/a.txt") == &h->locations[1],
	    "suffix pattern");
	CHECK(location_match(h, "/index.gmi") == NULL, "no match");

	CHECK(location_expand("/new%p", "/old/a", out, sizeof(out)) == 0 &&
	    strcmp(out, "/new/old/a") == 0, "%p is the path");
	CHECK(location_expand("100%% sure", "/x", out, sizeof(out)) == 0 &&
	    strcmp(out, "100% sure") == 0, "%% is a percent sign");
	CHECK(location_expand("%p%p%p", "/0123456789012345678901", out,
	    sizeof(out)) == -1, "overflow reported, not truncated");

	CHECK(location_literal("/app/*") == 5 && location_literal("/app") == 4 &&
	    location_literal("*") == 0 && location_literal("/a?b") == 2 &&
	    location_literal("/a[b]") == 2 && location_literal("/a\\*") == 2,
	    "the literal start stops at a special character");

	snprintf(h->locations[1].mime[0].ext, 32, "txt");
	snprintf(h->locations[1].mime[0].type, 128, "text/plain; charset=latin1");
	h->locations[1].nmime = 1;
	CHECK(location_mime(&h->locations[1], "/a.TXT") != NULL,
	    "extension compare ignores case");
	CHECK(location_mime(&h->locations[1], "/a.gmi") == NULL,
	    "other extension");
	CHECK(location_mime(NULL, "/a.txt") == NULL, "no location");
	for (i = 0; i < sizeof(dir_cases) / sizeof(dir_cases[0]); i++)
		CHECK(location_dir(dir_cases[i].pattern, out, sizeof(out)) ==
		    0 && strcmp(out, dir_cases[i].dir) == 0, dir_cases[i].why);
	CHECK(location_dir("/0123456789/0123456789/0123456789/0123456789/"
	    "0123456789/x", out, 16) == -1, "too long for dst: -1");
	free(h);
	return test_done("location");
}
