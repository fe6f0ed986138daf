/*
 * fuzz_gopherlink.c: gopherlink_resolve() on arbitrary link targets.
 * Whatever the bytes, an item it gives must be one a Gopher client can
 * follow: no control byte in the selector; a local selector absolute,
 * normalised (so never above '/'); a native item's host non-empty and
 * one url.c parses back to itself, its port 1..65535; a URL: item the
 * link as written.  A printable link without '%' shorter than URL_MAX
 * is always an item.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gopherlink.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct gopherlink_base bases[] = {
	{ "/dir/", "example.org", 1965 },
	{ NULL, NULL, 0 },
};

static int
fuzz_printable(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static void
fuzz_check_local(const struct gopherlink *t)
{
	char	again[sizeof(t->selector)];
	size_t	len = strlen(t->selector);

	if (t->type != 0 || t->host[0] != '\0' || t->port != 0)
		abort();
	if (t->selector[0] != '/' || strstr(t->selector, "//") != NULL ||
	    strstr(t->selector, "/./") != NULL ||
	    strstr(t->selector, "/../") != NULL ||
	    (len >= 2 && strcmp(t->selector + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(t->selector + len - 3, "/..") == 0))
		abort();
	memcpy(again, t->selector, sizeof(again));
	if (url_normalize_path(again) == -1 ||
	    strcmp(again, t->selector) != 0)
		abort();
}

/* The host and port, written back as a URL, parse to themselves. */
static void
fuzz_check_gopher(const struct gopherlink *t)
{
	struct url	 u;
	char		 url[URL_HOST_MAX + 32];
	const char	*err, *h;
	size_t		 end;
	int		 n, v6 = strchr(t->host, ':') != NULL;

	if (t->type <= 0x20 || t->type >= 0x7f || t->host[0] == '\0' ||
	    t->port < 1 || t->port > 65535)
		abort();
	for (h = t->host; *h != '\0'; h++)
		if (*h >= 'A' && *h <= 'Z')
			abort();
	n = snprintf(url, sizeof(url), "gopher://%s%s%s:%d/", v6 ? "[" : "",
	    t->host, v6 ? "]" : "", t->port);
	if (n < 0 || (size_t)n >= sizeof(url) ||
	    url_parse_origin(url, (size_t)n, &u, &end, &err) == -1 ||
	    strcmp(u.host, t->host) != 0 || u.port != t->port ||
	    end != (size_t)n - 1)
		abort();
}

static void
fuzz_check_url(const struct gopherlink *t, const char *s, size_t len)
{
	const char	*sel = t->selector + 4;

	if (t->type != 'h' || t->host[0] != '\0' || t->port != 0 ||
	    strncmp(t->selector, "URL:", 4) != 0)
		abort();
	if (len >= 2 && s[0] == '/' && s[1] == '/') {
		if (strncmp(sel, "gemini:", 7) != 0)
			abort();
		sel += 7;
	}
	if (strlen(sel) != len || memcmp(sel, s, len) != 0)
		abort();
}

static void
fuzz_one(const char *s, size_t len, const struct gopherlink_base *base)
{
	struct gopherlink	t;

	if (gopherlink_resolve(s, len, base, &t) == -1) {
		if (len < URL_MAX && fuzz_printable(s, len) &&
		    memchr(s, '%', len) == NULL)
			abort();
		return;
	}
	if (memchr(t.selector, '\0', sizeof(t.selector)) == NULL ||
	    !fuzz_printable(t.selector, strlen(t.selector)) ||
	    memchr(t.host, '\0', sizeof(t.host)) == NULL ||
	    !fuzz_printable(t.host, strlen(t.host)))
		abort();
	switch (t.kind) {
	case GOPHERLINK_LOCAL:
		fuzz_check_local(&t);
		break;
	case GOPHERLINK_GOPHER:
		fuzz_check_gopher(&t);
		break;
	case GOPHERLINK_URL:
		fuzz_check_url(&t, s, len);
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*copy;
	size_t	 i;

	/* an exact-size heap copy, so ASan catches any over-read */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		fuzz_one(copy, size, &bases[i]);
	free(copy);
	return 0;
}
