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
	CHECK(location_dir("/cgi-bin/*") == 9 &&
	    location_dir("/cgi-bin/a*.cgi") == 9 &&
	    location_dir("/cgi-bin/x") == 9 && location_dir("*") == 0 &&
	    location_dir("*/cgi/*") == 0 && location_dir("/") == 1,
	    "the directory of the literal start");

	snprintf(h->locations[1].mime[0].ext, 32, "txt");
	snprintf(h->locations[1].mime[0].type, 128, "text/plain; charset=latin1");
	h->locations[1].nmime = 1;
	CHECK(location_mime(&h->locations[1], "/a.TXT") != NULL,
	    "extension compare ignores case");
	CHECK(location_mime(&h->locations[1], "/a.gmi") == NULL,
	    "other extension");
	CHECK(location_mime(NULL, "/a.txt") == NULL, "no location");
	free(h);
	return test_done("location");
}
