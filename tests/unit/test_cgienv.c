/* test_cgienv.c: a request's CGI variables and their SCGI header. */
#include <stdlib.h>

#include "test.h"
#include "cgienv.h"

static struct cgienv	env;

static struct cgienv_req
req(void)
{
	struct cgienv_req	r;

	memset(&r, 0, sizeof(r));
	r.url = "gemini://example.org/cgi-bin/gb/sign?hello%20you";
	r.script_name = "/cgi-bin/gb";
	r.path_info = "/sign";
	r.path_translated = "/var/gemini/sign";
	r.query = "hello%20you";
	r.server_name = "example.org";
	r.server_port = "1965";
	r.remote_addr = "192.0.2.7";
	r.tls_version = "TLSv1.3";
	r.tls_cipher = "TLS_AES_128_GCM_SHA256";
	r.cert_hash = "";
	r.cert_subject = r.cert_cn = r.cert_not_before = r.cert_not_after =
	    r.cert_serial = "";
	r.path = 1;
	return r;
}

static const struct {
	const char	*name;
	const char	*value;		/* NULL: absent */
} plain[] = {
	{ "GATEWAY_INTERFACE", "CGI/1.1" },
	{ "SERVER_PROTOCOL", "GEMINI" },
	{ "GEMINI_URL", "gemini://example.org/cgi-bin/gb/sign?hello%20you" },
	{ "SCRIPT_NAME", "/cgi-bin/gb" },
	{ "PATH_INFO", "/sign" },
	{ "PATH_TRANSLATED", "/var/gemini/sign" },
	{ "QUERY_STRING", "hello%20you" },
	{ "SERVER_NAME", "example.org" },
	{ "SERVER_PORT", "1965" },
	{ "REMOTE_ADDR", "192.0.2.7" },
	{ "REMOTE_HOST", "192.0.2.7" },
	{ "TLS_VERSION", "TLSv1.3" },
	{ "TLS_CIPHER", "TLS_AES_128_GCM_SHA256" },
	{ "PATH", CGIENV_PATH },
	{ "AUTH_TYPE", NULL },
	{ "TLS_CLIENT_HASH", NULL },
	{ "REMOTE_USER", NULL },
	{ "CONTENT_LENGTH", NULL },
};

static void
test_plain(void)
{
	struct cgienv_req	r = req();
	const char		*v;
	size_t			 i;

	CHECK(cgienv_build(&env, &r) == 0, "builds");
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		v = cgienv_get(&env, plain[i].name);
		CHECK(plain[i].value == NULL ? v == NULL :
		    v != NULL && strcmp(v, plain[i].value) == 0, plain[i].name);
	}
	CHECK(strncmp(cgienv_get(&env, "SERVER_SOFTWARE"), "capsuled/", 9) == 0,
	    "SERVER_SOFTWARE");
	CHECK(env.vars[env.n] == NULL && env.n == 15, "15 variables, ended");
	r.path_info = "";
	CHECK(cgienv_build(&env, &r) == 0 &&
	    cgienv_get(&env, "PATH_TRANSLATED") == NULL &&
	    strcmp(cgienv_get(&env, "PATH_INFO"), "") == 0,
	    "no path info: no PATH_TRANSLATED (RFC 3875 4.1.6)");
	r.path = 0;
	CHECK(cgienv_build(&env, &r) == 0 && cgienv_get(&env, "PATH") == NULL,
	    "a backend gets no PATH");
}

static void
test_cert(void)
{
	struct cgienv_req	r = req();

	r.cert_hash =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	r.cert_subject = "CN=alice,O=Example";
	r.cert_cn = "alice";
	r.cert_not_before = "2026-01-01T00:00:00Z";
	r.cert_not_after = "2027-01-01T00:00:00Z";
	r.cert_serial = "1234567890";
	CHECK(cgienv_build(&env, &r) == 0, "builds");
	CHECK(strcmp(cgienv_get(&env, "AUTH_TYPE"), "CERTIFICATE") == 0,
	    "AUTH_TYPE");
	CHECK(strcmp(cgienv_get(&env, "TLS_CLIENT_HASH"), "SHA256:"
	    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")
	    == 0, "TLS_CLIENT_HASH in Jetforce's form");
	CHECK(strcmp(cgienv_get(&env, "REMOTE_USER"), "alice") == 0,
	    "REMOTE_USER is the CN");
	CHECK(strcmp(cgienv_get(&env, "TLS_CLIENT_SUBJECT"),
	    "CN=alice,O=Example") == 0, "TLS_CLIENT_SUBJECT");
	CHECK(strcmp(cgienv_get(&env, "TLS_CLIENT_SERIAL_NUMBER"),
	    "1234567890") == 0, "TLS_CLIENT_SERIAL_NUMBER");
	CHECK(strcmp(cgienv_get(&env, "TLS_CLIENT_NOT_AFTER"),
	    "2027-01-01T00:00:00Z") == 0, "TLS_CLIENT_NOT_AFTER");
}

static void
test_set_and_scgi(void)
{
	struct cgienv_req	r = req();
	char			out[CGIENV_MAX + 64], big[CGIENV_MAX];
	size_t			n, hlen;
	int			count;

	r.scgi = 1;
	r.path = 0;
	CHECK(cgienv_build(&env, &r) == 0, "builds");
	CHECK(strncmp(env.vars[0], "CONTENT_LENGTH=0", 17) == 0 &&
	    strcmp(env.vars[1], "SCGI=1") == 0, "CONTENT_LENGTH first, SCGI");
	CHECK(cgienv_set(&env, "SCRIPT_NAME", "/other") == 0 &&
	    strcmp(cgienv_get(&env, "SCRIPT_NAME"), "/other") == 0,
	    "a later value replaces");
	count = env.n;
	CHECK(cgienv_set(&env, "SCRIPT_FILENAME", "/x.cgi") == 0 &&
	    env.n == count + 1, "a new one is added");
	n = cgienv_scgi(&env, out, sizeof(out));
	CHECK(n > 0 && out[n - 1] == ',', "a netstring");
	hlen = (size_t)strtoul(out, NULL, 10);
	CHECK(memcmp(strchr(out, ':') + 1, "CONTENT_LENGTH\0" "0\0SCGI\0" "1\0",
	    24) == 0, "NAME NUL value NUL pairs, CONTENT_LENGTH first");
	CHECK(strchr(out, ':') + 1 + hlen == out + n - 1, "its length");
	CHECK(cgienv_scgi(&env, out, 10) == 0, "too small");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(cgienv_set(&env, "BIG", big) == -1, "full");
}

int
main(void)
{
	test_plain();
	test_cert();
	test_set_and_scgi();
	return test_done("cgienv");
}
