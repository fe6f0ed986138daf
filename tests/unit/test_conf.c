/* test_conf.c: the configuration file parser, loader and printer. */
#include <sys/stat.h>

#include <stdlib.h>

#include "test.h"
#include "conf.h"

#define FPR	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static char	errbuf[2048];

/* conf_init + conf_parse over a guarded copy of text, named "t.conf". */
static int
parse(struct conf *c, const char *text)
{
	size_t	len = strlen(text);

	conf_free(c);
	conf_init(c);
	errbuf[0] = '\0';
	return conf_parse(test_guarded(text, len), len, "t.conf", c, errbuf,
	    sizeof(errbuf));
}

/* errbuf starts with prefix and contains msg. */
static int
err_is(const char *prefix, const char *msg)
{
	return strncmp(errbuf, prefix, strlen(prefix)) == 0 &&
	    strstr(errbuf, msg) != NULL;
}

static const struct {
	const char	*in;
	const char	*prefix;	/* "name:line: " */
	const char	*msg;		/* part of the message */
	const char	*why;
} error_cases[] = {
	{ "port 1965\n\n\n\n\n\nprot 1\n", "t.conf:7: ",
	  "unknown directive 'prot'", "unknown directive, line 7" },
	{ "port 0\n", "t.conf:1: ", "port must be 1-65535", "port 0" },
	{ "port 65536\n", "t.conf:1: ", "port must be 1-65535", "port high" },
	{ "port 99999999999999999999\n", "t.conf:1: ", "port must be",
	  "huge number does not wrap" },
	{ "port -1\n", "t.conf:1: ", "expected a number", "negative port" },
	{ "port 19x\n", "t.conf:1: ", "expected a number", "junk in number" },
	{ "port \"\"\n", "t.conf:1: ", "expected a number", "empty number" },
	{ "port\n", "t.conf:1: ", "missing argument for 'port'", "no arg" },
	{ "port", "t.conf:1: ", "missing argument", "no arg at end" },
	{ "port 1 2\n", "t.conf:1: ", "unexpected '2' after 'port'",
	  "two args" },
	{ "public-port 65536\n", "t.conf:1: ", "public-port must be 0-65535",
	  "public-port range" },
	{ "gopher 70000\n", "t.conf:1: ", "gopher must be 0-65535",
	  "gopher range" },
	{ "gopher-public-port x\n", "t.conf:1: ", "expected a number",
	  "gopher-public-port number" },
	{ "gopher-host \"a b\"\n", "t.conf:1: ", "invalid host name",
	  "gopher-host with space" },
	{ "gopher-host \"*.a.org\"\n", "t.conf:1: ", "invalid host name",
	  "gopher-host no wildcard" },
	{ "workers 65\n", "t.conf:1: ", "workers must be 0-64", "workers" },
	{ "timeout 0\n", "t.conf:1: ", "timeout must be 1-3600", "timeout" },
	{ "gopher-cache 4097\n", "t.conf:1: ", "gopher-cache must be 0-4096",
	    "gopher-cache" },
	{ "write-timeout 3601\n", "t.conf:1: ",
	  "write-timeout must be 1-3600", "write-timeout" },
	{ "max-connections 1000001\n", "t.conf:1: ",
	  "max-connections must be 0-1000000", "max-connections" },
	{ "max-connections-per-ip 0\n", "t.conf:1: ",
	  "max-connections-per-ip must be 1-1000000", "per-ip" },
	{ "tls-tickets 17\n", "t.conf:1: ", "tls-tickets must be 0-16",
	  "tickets" },
	{ "log-format apache\n", "t.conf:1: ",
	  "log-format: unknown value 'apache'", "unknown log format" },
	{ "\nlog-address half\n", "t.conf:2: ",
	  "log-address: unknown value 'half'", "unknown address mode" },
	{ "rate-limit -1\n", "t.conf:1: ", "rate-limit: expected a number",
	  "negative rate" },
	{ "rate-limit 10 0\n", "t.conf:1: ",
	  "rate-limit burst must be 1-100000", "zero burst" },
	{ "rate-limit 10 5 5\n", "t.conf:1: ", "unexpected '5' after",
	  "extra argument" },
	{ "proxy-protocol http\n", "t.conf:1: ", "expected 'gemini', "
	  "'gopher' or 'off', not 'http'", "unknown listener" },
	{ "proxy-protocol gemini off\n", "t.conf:1: ", "not 'off'",
	  "off mixed with a listener" },
	{ "proxy-from \"haproxy.local\"\n", "t.conf:1: ",
	  "proxy-from: not an IP address", "names are not addresses" },
	{ "user \"0123456789012345678901234567890123456789"
	  "012345678901234567890123\"\n", "t.conf:1: ",
	  "string too long for 'user' (max 63 bytes)", "user too long" },
	{ "\n\nserver \"a\" {\n", "t.conf:3: ", "missing '}'",
	  "missing brace names the opening line" },
	{ "server \"a\" {\n location \"/p/*\" {\n\n  titan on\n }\n}\n",
	  "t.conf:4: ", "titan on needs titan-fingerprint or titan-token",
	  "uploads open to anyone: the 'titan on' line is named" },
	{ "server \"a\" {\n location \"/p/*\" {\n  titan yes\n }\n}\n",
	  "t.conf:3: ", "titan: expected 'on' or 'off'", "titan flag" },
	{ "server \"a\" {\n location \"/p/*\" {\n"
	  "  titan-fingerprint \"abc\"\n }\n}\n", "t.conf:3: ",
	  "fingerprint must be 64 hex digits", "a short titan-fingerprint" },
	{ "server \"a\" {\n location \"/p/*\" {\n  titan-token \"\"\n"
	  " }\n}\n", "t.conf:3: ", "empty string for 'titan-token'",
	  "an empty token" },
	{ "server \"a\" {\n location \"/p/*\" {\n  titan-max-size -1\n"
	  " }\n}\n", "t.conf:3: ", "titan-max-size: expected a number",
	  "a negative size" },
	{ "server \"a\" {\n location \"/p/*\" {\n  titan-mime \"text\"\n"
	  " }\n}\n", "t.conf:3: ", "invalid MIME type 'text'",
	  "a type without a subtype" },
	{ "server \"a\" {\n location \"/p/*\" {\n  titan-mime\n"
	  " }\n}\n", "t.conf:3: ", "missing argument for 'titan-mime'",
	  "titan-mime needs a type" },
	{ "server \"a\" {\n titan on\n}\n", "t.conf:2: ",
	  "titan outside a location block", "titan in a server block" },
	{ "feed-entries -1\n", "t.conf:1: ", "feed-entries: expected a number",
	  "a negative feed-entries" },
	{ "server \"a\" {\n feed-entries 3\n}\n", "t.conf:2: ",
	  "feed-entries is only allowed outside blocks",
	  "feed-entries in a server" },
	{ "server \"a\" {\n\tlocation \"/\" {\n}\n", "t.conf:1: ",
	  "missing '}'", "location closed, server not" },
	{ "}\n", "t.conf:1: ", "unexpected '}'", "stray brace" },
	{ "{\n", "t.conf:1: ", "expected a directive", "stray open brace" },
	{ "\"port\" 1\n", "t.conf:1: ", "expected a directive",
	  "quoted directive" },
	{ "server \"a\"\n{\n}\n", "t.conf:1: ", "expected '{' after 'server'",
	  "brace must be on the server line" },
	{ "server \"a\" { } {\n", "t.conf:1: ", "unexpected '{' after '}'",
	  "junk after block" },
	{ "server \"a\" {\n} x\n", "t.conf:2: ", "unexpected 'x' after '}'",
	  "word after block" },
	{ "server \"a\" {\n\tport 1\n}\n", "t.conf:2: ",
	  "port is only allowed outside blocks", "global in server" },
	{ "location \"/\" {\n}\n", "t.conf:1: ",
	  "location outside a server block", "location at top" },
	{ "root \"/x\"\n", "t.conf:1: ", "root outside a server block",
	  "root at top" },
	{ "lang \"en\"\n", "t.conf:1: ", "lang outside a server block",
	  "lang at top" },
	{ "server \"a\" {\n\tmime \"a\" \"b/c\"\n}\n", "t.conf:2: ",
	  "mime outside a location block", "mime in server" },
	{ "server \"a\" {\n location \"/\" {\n  location \"/x\" {\n"
	  "  }\n }\n}\n", "t.conf:3: ",
	  "location not allowed in a location block", "nested location" },
	{ "server \"a\" {\n location \"/\" {\n  root \"/x\"\n }\n}\n",
	  "t.conf:3: ", "root not allowed in a location block",
	  "root in location" },
	{ "server \"a\" {\n location \"/\" {\n  include \"x\"\n }\n}\n",
	  "t.conf:3: ", "include is only allowed outside blocks",
	  "include in location" },
	{ "server \"\" {\n}\n", "t.conf:1: ", "empty string for 'server'",
	  "empty server name" },
	{ "server \"a/b\" {\n}\n", "t.conf:1: ", "invalid host name",
	  "slash in server name" },
	{ "server \"..\" {\n}\n", "t.conf:1: ", "invalid host name",
	  "dot-dot server name" },
	{ "server \"a..b\" {\n}\n", "t.conf:1: ", "invalid host name",
	  "empty label" },
	{ "server \"a.\" {\n}\n", "t.conf:1: ", "invalid host name",
	  "trailing dot" },
	{ "server \"a*\" {\n}\n", "t.conf:1: ", "invalid host name",
	  "star not as a label" },
	{ "server a {\n}\nserver a {\n}\n", "t.conf:3: ",
	  "duplicate server 'a'", "duplicate server" },
	{ "server a.org {\n}\nserver A.ORG {\n}\n", "t.conf:3: ",
	  "duplicate server 'A.ORG'", "duplicate server, other case" },
	{ "server a {\n location \"/\" {\n  mime tar.gz t/p\n }\n}\n",
	  "t.conf:3: ", "invalid extension", "dot inside extension" },
	{ "server a {\n alias \"\"\n}\n", "t.conf:2: ",
	  "empty string for 'alias'", "empty alias" },
	{ "server a {\n root \"\"\n}\n", "t.conf:2: ",
	  "empty string for 'root'", "empty root" },
	{ "server a {\n cert \"\"\n}\n", "t.conf:2: ",
	  "empty string for 'cert'", "empty cert" },
	{ "server a {\n key\n}\n", "t.conf:2: ", "missing argument for 'key'",
	  "key without value" },
	{ "server a {\n lang \"en us\"\n}\n", "t.conf:2: ", "invalid lang",
	  "lang with space" },
	{ "server a {\n lang \"en;q=1\"\n}\n", "t.conf:2: ", "invalid lang",
	  "lang with semicolon would inject a MIME parameter" },
	{ "server a {\n lang \"0123456789012345678901234567890123\"\n}\n",
	  "t.conf:2: ", "string too long for 'lang'", "lang too long" },
	{ "server a {\n auto-index yes\n}\n", "t.conf:2: ",
	  "auto-index: expected 'on' or 'off'", "auto-index yes" },
	{ "server a {\n gemlog \"posts\"\n}\n", "t.conf:2: ",
	  "gemlog must start with '/'", "relative gemlog" },
	{ "server a {\n location \"x\" {\n }\n}\n", "t.conf:2: ",
	  "location must start with '/' or '*'", "relative location" },
	{ "server a {\n location \"\" {\n }\n}\n", "t.conf:2: ",
	  "empty string for 'location'", "empty location" },
	{ "server a {\n location \"/\" {\n  default-type \"text\"\n }\n}\n",
	  "t.conf:3: ", "invalid MIME type 'text'", "type without slash" },
	{ "server a {\n location \"/\" {\n  mime \"txt\"\n }\n}\n",
	  "t.conf:3: ", "missing argument for 'mime'", "mime one arg" },
	{ "server a {\n location \"/\" {\n  mime \"a/b\" \"t/p\"\n }\n}\n",
	  "t.conf:3: ", "invalid extension", "slash in extension" },
	{ "server a {\n location \"/\" {\n  mime \".\" \"t/p\"\n }\n}\n",
	  "t.conf:3: ", "invalid extension", "dot alone" },
	{ "server a {\n location \"/\" {\n  mime txt \"/p\"\n }\n}\n",
	  "t.conf:3: ", "invalid MIME type", "type starts with slash" },
	{ "server a {\n location \"/\" {\n  block return 9\n }\n}\n",
	  "t.conf:3: ", "block return status must be 10-69", "status 9" },
	{ "server a {\n location \"/\" {\n  block return 70\n }\n}\n",
	  "t.conf:3: ", "block return status must be 10-69", "status 70" },
	{ "server a {\n location \"/\" {\n  block return 20\n }\n}\n",
	  "t.conf:3: ", "must not be 2x", "status 20" },
	{ "server a {\n location \"/\" {\n  block return 31\n }\n}\n",
	  "t.conf:3: ", "status 31 needs a target", "redirect w/o target" },
	{ "server a {\n location \"/\" {\n  block return 10 \"\"\n }\n}\n",
	  "t.conf:3: ", "status 10 needs a prompt", "input w/o prompt" },
	{ "server a {\n location \"/\" {\n  block return\n }\n}\n",
	  "t.conf:3: ", "missing argument for 'block'", "return w/o status" },
	{ "server a {\n location \"/\" {\n  block \"x\"\n }\n}\n",
	  "t.conf:3: ", "unexpected 'x' after 'block'", "block junk" },
	{ "server a {\n location \"/\" {\n  block return 51 a b\n }\n}\n",
	  "t.conf:3: ", "unexpected 'b' after 'block'", "block two metas" },
	{ "server a {\n location \"/\" {\n  redirect 32 \"/x\"\n }\n}\n",
	  "t.conf:3: ", "redirect status must be 30-31", "redirect 32" },
	{ "server a {\n location \"/\" {\n  redirect 30\n }\n}\n",
	  "t.conf:3: ", "status 30 needs a target", "redirect w/o target" },
	{ "server a {\n location \"/\" {\n  require-client-cert yes\n }\n}\n",
	  "t.conf:3: ", "unexpected 'yes'", "require-client-cert takes none" },
	{ "server a {\n location \"/\" {\n  allow-fingerprint \"abc\"\n"
	  " }\n}\n", "t.conf:3: ", "fingerprint must be 64 hex digits",
	  "short fingerprint" },
	{ "server a {\n location \"/\" {\n  allow-fingerprint \"" FPR
	  "0\"\n }\n}\n", "t.conf:3: ", "fingerprint must be 64 hex",
	  "long fingerprint" },
	{ "server a {\n location \"/\" {\n  allow-fingerprint \""
	  "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "\"\n }\n}\n", "t.conf:3: ", "fingerprint must be 64 hex",
	  "non-hex fingerprint" },
	/* Lexer errors. */
	{ "user \"abc\n", "t.conf:1: ", "unterminated string",
	  "LF inside string" },
	{ "\nuser \"abc", "t.conf:2: ", "unterminated string",
	  "end of input inside string" },
	{ "user \"abc\\", "t.conf:1: ", "unterminated string",
	  "end of input after backslash" },
	{ "user \"a\\nb\"\n", "t.conf:1: ", "unknown escape",
	  "\\n is not an escape" },
	{ "user \"a\tb\"\n", "t.conf:1: ", "control character in string",
	  "tab inside string" },
	{ "user a\x01\n", "t.conf:1: ", "control character",
	  "control byte in word" },
	{ "user a\"b\"\n", "t.conf:1: ", "unexpected '\"' in a word",
	  "quote glued to word" },
	{ "user \"\xc3\"\n", "t.conf:1: ", "invalid UTF-8",
	  "truncated UTF-8 in string" },
	{ "user \xff\n", "t.conf:1: ", "invalid UTF-8", "0xFF in word" },
	{ "# \"\n\n\nuser \"x\" \"y\"\n", "t.conf:4: ", "unexpected 'y'",
	  "quote in a comment does not open a string" },
	{ "port 1965\r\nprot 1\r\n", "t.conf:2: ", "unknown directive 'prot'",
	  "CRLF counts lines" },
	{ "server a {\n location \"/\" { auto-index maybe }\n}\n",
	  "t.conf:2: ", "expected 'on' or 'off'", "one-line block" },
};

/* Each directive in one file; checked field by field below. */
static const char all_directives[] =
    "# every directive once\n"
    "listen \"127.0.0.1\"\n"
    "port 1966\n"
    "public-port 443\n"
    "gopher 7070\n"
    "gopher-public-port 70\n"
    "gopher-host \"example.org\"\n"
    "gopher-cache 4\n"
    "workers 2\n"
    "user \"capsuled\"\n"
    "chroot \"/var/gemini\"\n"
    "timeout 11\n"
    "write-timeout 31\n"
    "max-connections 4096\n"
    "max-connections-per-ip 33\n"
    "tls-tickets 2\n"
    "log \"/var/log/capsuled.log\"\n"
    "log-format json\n"
    "log-address full\n"
    "rate-limit 120 20\n"
    "proxy-protocol gemini gopher\n"
    "proxy-from \"127.0.0.1\"\n"
    "proxy-from ::1\n"
    "server \"example.org\" {\n"
    "\talias \"www.example.org\"\n"
    "\talias \"*.example.org\"\n"
    "\troot \"/var/gemini/example.org\"\n"
    "\tcert \"certs/example.org.pem\"\n"
    "\tkey \"certs/example.org.key\"\n"
    "\tlang \"en\"\n"
    "\tauto-index on\n"
    "\tgemlog \"/posts/\"\n"
    "\tgemlog \"/notes/\"\n"
    "\tlocation \"/private/*\" {\n"
    "\t\tauto-index off\n"
    "\t\tlang \"de\"\n"
    "\t\tdefault-type \"text/plain\"\n"
    "\t\tmime \"txt\" \"text/plain; charset=iso-8859-1\"\n"
    "\t\tmime .md \"text/markdown\"\n"
    "\t\tblock return 51 \"gone\"\n"
    "\t\trequire-client-cert\n"
    "\t\tallow-fingerprint \"AB:CD:EF:0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789\"\n"
    "\t\tallow-fingerprint " FPR "\n"
    "\t}\n"
    "\tlocation \"/old/*\" {\n"
    "\t\tredirect 31 \"/new/%p\"\n"
    "\t}\n"
    "\tlocation \"/blocked\" {\n"
    "\t\tblock\n"
    "\t}\n"
    "}\n"
    "server bare.example {\n"
    "\troot /srv/bare\n"
    "}\n";

/* Non-default values that all_directives does not use. */
static const char round_trip_more[] =
    "log \"/tmp/x.log\"\n"
    "log-format common\n"
    "log-address none\n"
    "rate-limit 60\n"
    "proxy-protocol gopher\n"
    "proxy-from 192.0.2.1\n"
    "proxy-from \"2001:db8::7\"\n"
    "proxy-from 127.0.0.1\n";

static void
test_all_directives(struct conf *c)
{
	struct conf_host	*h = &c->hosts[0];
	struct conf_location	*l = &h->locations[0];

	CHECK(parse(c, all_directives) == 0, "every directive parses");
	if (errbuf[0] != '\0')
		fprintf(stderr, "  %s\n", errbuf);
	CHECK(strcmp(c->listen, "127.0.0.1") == 0, "listen");
	CHECK(c->port == 1966 && c->public_port == 443, "ports");
	CHECK(c->gopher_port == 7070 && c->gopher_public_port == 70, "gopher");
	CHECK(strcmp(c->gopher_host, "example.org") == 0, "gopher-host");
	CHECK(c->workers == 2, "workers");
	CHECK(strcmp(c->user, "capsuled") == 0, "user");
	CHECK(strcmp(c->chroot, "/var/gemini") == 0, "chroot");
	CHECK(c->timeout == 11 && c->write_timeout == 31, "timeouts");
	CHECK(c->max_conns == 4096 && c->max_conns_per_ip == 33, "caps");
	CHECK(c->tls_tickets == 2, "tls-tickets");
	CHECK(strcmp(c->logfile, "/var/log/capsuled.log") == 0, "log");
	CHECK(c->log_format == CONF_LOG_JSON, "log-format");
	CHECK(c->log_address == CONF_ADDR_FULL, "log-address");
	CHECK(c->rate == 120 && c->burst == 20, "rate-limit with burst");
	CHECK(c->proxy_gemini && c->proxy_gopher, "proxy-protocol both");
	CHECK(c->nproxy_from == 2 && strcmp(c->proxy_from[1], "::1") == 0,
	    "proxy-from list");
	CHECK(c->nhosts == 2, "two servers");
	CHECK(strcmp(h->name, "example.org") == 0, "server name");
	CHECK(h->naliases == 2 && strcmp(h->aliases[1], "*.example.org") == 0,
	    "aliases with wildcard");
	CHECK(strcmp(h->root, "/var/gemini/example.org") == 0, "root");
	CHECK(strcmp(h->cert, "certs/example.org.pem") == 0, "cert");
	CHECK(strcmp(h->key, "certs/example.org.key") == 0, "key");
	CHECK(strcmp(h->lang, "en") == 0 && h->auto_index == 1, "lang, index");
	CHECK(h->ngemlogs == 2 && strcmp(h->gemlogs[1], "/notes/") == 0,
	    "gemlogs");
	CHECK(h->nlocations == 3, "three locations");
	CHECK(h->rootfd == -1, "rootfd unopened");
	CHECK(strcmp(l->pattern, "/private/*") == 0, "location pattern");
	CHECK(l->auto_index == 0 && strcmp(l->lang, "de") == 0,
	    "location auto-index, lang");
	CHECK(strcmp(l->default_type, "text/plain") == 0, "default-type");
	CHECK(l->nmime == 2 && strcmp(l->mime[0].ext, "txt") == 0 &&
	    strcmp(l->mime[0].type, "text/plain; charset=iso-8859-1") == 0,
	    "mime");
	CHECK(strcmp(l->mime[1].ext, "md") == 0, "mime drops leading dot");
	CHECK(l->block_status == 51 && strcmp(l->block_meta, "gone") == 0,
	    "block return");
	CHECK(l->require_cert == 1, "require-client-cert");
	CHECK(l->nfingerprints == 2 && strcmp(l->fingerprints[0],
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
	    == 0, "fingerprint lower-cased, colons dropped");
	CHECK(l->nfingerprints == 2 && strcmp(l->fingerprints[1], FPR) == 0,
	    "bare fingerprint");
	l = &h->locations[1];
	CHECK(l->block_status == 31 && strcmp(l->block_meta, "/new/%p") == 0,
	    "redirect is block return 3x");
	CHECK(l->auto_index == CONF_UNSET && l->lang[0] == '\0',
	    "unset location fields inherit");
	CHECK(h->locations[2].block_status == 40 &&
	    h->locations[2].block_meta[0] == '\0', "bare block is 40");
	CHECK(strcmp(c->hosts[1].root, "/srv/bare") == 0, "bare-word path");
	CHECK(c->hosts[1].auto_index == 0, "auto-index defaults off");
}

static const struct {
	const char	*in;
	const char	*user;
	const char	*why;
} quote_cases[] = {
	{ "user \"a\\\"b\"\n", "a\"b", "escaped quote" },
	{ "user \"a\\\\b\"\n", "a\\b", "escaped backslash" },
	{ "user \"a#b\" # comment \"\n", "a#b", "'#' inside a string" },
	{ "user a#b\n", "a", "'#' ends a word" },
	{ "user \"\"\n", "", "empty string allowed for user" },
	{ "user \"caf\xc3\xa9 \xe2\x80\x99\"\n", "caf\xc3\xa9 \xe2\x80\x99",
	  "UTF-8 and spaces in a string" },
	{ "user x;user y\n", "y", "';' ends a directive" },
	{ "\xef\xbb\xbfuser x\n", "", "a BOM is not a directive" },
	{ "user\t \"x\"\r\n", "x", "tabs and CRLF" },
	{ "user x # trailing\n# whole line\n   # indented\n", "x", "comments" },
	{ "user x", "x", "no final newline" },
	{ "", "", "empty file" },
	{ "\n\n# only comments\n", "", "blank lines and comments only" },
};

static void
test_quoting(struct conf *c)
{
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		rc = parse(c, quote_cases[i].in);
		if (strncmp(quote_cases[i].in, "\xef\xbb\xbf", 3) == 0) {
			CHECK(rc == -1 && err_is("t.conf:1: ",
			    "unknown directive"), quote_cases[i].why);
			continue;
		}
		CHECK(rc == 0 && strcmp(c->user, quote_cases[i].user) == 0,
		    quote_cases[i].why);
		if (rc == -1)
			fprintf(stderr, "  %s\n", errbuf);
	}
	CHECK(parse(c, "server a { root \"/r\" }\n") == 0 &&
	    strcmp(c->hosts[0].root, "/r") == 0, "one-line server block");
	CHECK(parse(c, "server a {\n location \"/\" { block; lang en }\n}\n")
	    == 0 && c->hosts[0].locations[0].block_status == 40 &&
	    strcmp(c->hosts[0].locations[0].lang, "en") == 0,
	    "';' and '}' end directives on one line");
	CHECK(parse(c, "server a {\r\n\troot \"/r\"\r\n}\r\n") == 0,
	    "CRLF blocks");
}

static void
test_errors(struct conf *c)
{
	size_t	i;
	int	ok;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		ok = parse(c, error_cases[i].in) == -1 &&
		    err_is(error_cases[i].prefix, error_cases[i].msg);
		CHECK(ok, error_cases[i].why);
		if (!ok)
			fprintf(stderr, "  got: %s\n", errbuf);
	}
}

static void
test_limits(struct conf *c)
{
	char	*big, *p;
	size_t	 i, size = 64 * 1024;

	if ((big = malloc(size)) == NULL)
		return;
	p = big;
	for (i = 0; i < CONF_HOSTS_MAX + 1; i++)
		p += sprintf(p, "server h%zu {\n}\n", i);
	CHECK(parse(c, big) == -1 && err_is("t.conf:129: ",
	    "too many servers (max 64)"), "too many servers");
	p = big + sprintf(big, "server a {\n");
	for (i = 0; i < CONF_ALIASES_MAX + 1; i++)
		p += sprintf(p, "alias a%zu\n", i);
	CHECK(parse(c, big) == -1 && err_is("t.conf:18: ", "too many aliases"),
	    "too many aliases");
	p = big + sprintf(big, "server a {\n");
	for (i = 0; i < CONF_LOCATIONS_MAX + 1; i++)
		p += sprintf(p, "location /%zu { }\n", i);
	CHECK(parse(c, big) == -1 && err_is("t.conf:66: ",
	    "too many locations"), "too many locations");
	p = big + sprintf(big, "server a {\nlocation / {\n");
	for (i = 0; i < CONF_MIME_MAX + 1; i++)
		p += sprintf(p, "mime e%zu t/p\n", i);
	CHECK(parse(c, big) == -1 && err_is("t.conf:35: ", "too many mime"),
	    "too many mime");
	p = big + sprintf(big, "server a {\n");
	for (i = 0; i < CONF_GEMLOGS_MAX + 1; i++)
		p += sprintf(p, "gemlog /g%zu/\n", i);
	CHECK(parse(c, big) == -1 && err_is("t.conf:18: ", "too many gemlogs"),
	    "too many gemlogs");
	memset(big, 'a', 2000);
	memcpy(big, "user \"", 6);
	memcpy(big + 1998, "\"\n", 3);
	CHECK(parse(c, big) == -1 && err_is("t.conf:1: ", "string too long"),
	    "token over 1023 bytes");
	memcpy(big, "user a", 6);
	big[1998] = '\0';
	CHECK(parse(c, big) == -1 && err_is("t.conf:1: ", "string too long"),
	    "bare word over 1023 bytes");
	free(big);
}

/* A location's upload settings, lists included (not dirfd: opened
 * later). */
static int
titan_equal(const struct conf_titan *a, const struct conf_titan *b)
{
	int	i;

	if (a->on != b->on || a->nfingerprints != b->nfingerprints ||
	    a->ntokens != b->ntokens || a->nmimes != b->nmimes ||
	    a->max_size != b->max_size || a->delete != b->delete)
		return 0;
	for (i = 0; i < a->nfingerprints; i++)
		if (strcmp(a->fingerprints[i], b->fingerprints[i]))
			return 0;
	for (i = 0; i < a->ntokens; i++)
		if (strcmp(a->tokens[i], b->tokens[i]))
			return 0;
	for (i = 0; i < a->nmimes; i++)
		if (strcmp(a->mimes[i], b->mimes[i]))
			return 0;
	return 1;
}

/* Field-by-field equality, fingerprint lists included. */
static int
loc_equal(const struct conf_location *a, const struct conf_location *b)
{
	int	i;

	if (strcmp(a->pattern, b->pattern) || a->auto_index != b->auto_index ||
	    strcmp(a->lang, b->lang) || strcmp(a->default_type,
	    b->default_type) || a->nmime != b->nmime ||
	    a->block_status != b->block_status ||
	    strcmp(a->block_meta, b->block_meta) ||
	    a->require_cert != b->require_cert ||
	    a->nfingerprints != b->nfingerprints ||
	    a->dynamic != b->dynamic || strcmp(a->backend, b->backend) ||
	    a->nparams != b->nparams || strcmp(a->proxy_sni, b->proxy_sni) ||
	    strcmp(a->proxy_fpr, b->proxy_fpr) ||
	    !titan_equal(&a->titan, &b->titan))
		return 0;
	for (i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i].name, b->params[i].name) ||
		    strcmp(a->params[i].value, b->params[i].value))
			return 0;
	for (i = 0; i < a->nmime; i++)
		if (strcmp(a->mime[i].ext, b->mime[i].ext) ||
		    strcmp(a->mime[i].type, b->mime[i].type))
			return 0;
	for (i = 0; i < a->nfingerprints; i++)
		if (strcmp(a->fingerprints[i], b->fingerprints[i]))
			return 0;
	return 1;
}

static int
host_equal(const struct conf_host *a, const struct conf_host *b)
{
	int	i;

	if (strcmp(a->name, b->name) || a->naliases != b->naliases ||
	    strcmp(a->root, b->root) || strcmp(a->cert, b->cert) ||
	    strcmp(a->key, b->key) || strcmp(a->lang, b->lang) ||
	    a->auto_index != b->auto_index || a->ngemlogs != b->ngemlogs ||
	    a->nlocations != b->nlocations || a->rootfd != b->rootfd)
		return 0;
	for (i = 0; i < a->naliases; i++)
		if (strcmp(a->aliases[i], b->aliases[i]))
			return 0;
	for (i = 0; i < a->ngemlogs; i++)
		if (strcmp(a->gemlogs[i], b->gemlogs[i]))
			return 0;
	for (i = 0; i < a->nlocations; i++)
		if (!loc_equal(&a->locations[i], &b->locations[i]))
			return 0;
	return 1;
}

/* Every field of struct conf (capsuled.h), in its order. */
static int
conf_equal(const struct conf *a, const struct conf *b)
{
	int	i;

	if (strcmp(a->listen, b->listen) || a->port != b->port ||
	    a->public_port != b->public_port ||
	    a->gopher_port != b->gopher_port ||
	    a->gopher_public_port != b->gopher_public_port ||
	    strcmp(a->gopher_host, b->gopher_host) ||
	    a->gopher_cache != b->gopher_cache ||
	    a->cgi_timeout != b->cgi_timeout ||
	    a->max_programs != b->max_programs ||
	    a->max_programs_worker != b->max_programs_worker ||
	    a->workers != b->workers || strcmp(a->user, b->user) ||
	    strcmp(a->chroot, b->chroot) || a->timeout != b->timeout ||
	    a->write_timeout != b->write_timeout ||
	    a->max_conns != b->max_conns ||
	    a->max_conns_per_ip != b->max_conns_per_ip ||
	    a->tls_tickets != b->tls_tickets ||
	    strcmp(a->logfile, b->logfile) ||
	    a->log_format != b->log_format ||
	    a->log_address != b->log_address ||
	    a->rate != b->rate || a->burst != b->burst ||
	    a->feed_entries != b->feed_entries ||
	    a->proxy_gemini != b->proxy_gemini ||
	    a->proxy_gopher != b->proxy_gopher ||
	    a->nproxy_from != b->nproxy_from ||
	    a->verbose != b->verbose || a->nhosts != b->nhosts)
		return 0;
	for (i = 0; i < a->nproxy_from; i++)
		if (strcmp(a->proxy_from[i], b->proxy_from[i]))
			return 0;
	for (i = 0; i < a->nhosts; i++)
		if (!host_equal(&a->hosts[i], &b->hosts[i]))
			return 0;
	return 1;
}

/* Print a into a string, parse that into b; 0 when it parsed. */
static int
reparse(const struct conf *a, struct conf *b, char **out)
{
	FILE	*fp;
	size_t	 len;

	*out = NULL;
	if ((fp = open_memstream(out, &len)) == NULL)
		return -1;
	conf_print(a, fp);
	fclose(fp);
	conf_free(b);
	conf_init(b);
	return conf_parse(*out, len, "printed", b, errbuf, sizeof(errbuf));
}

static void
test_roundtrip(struct conf *a, struct conf *b)
{
	char	*out, *out2;

	CHECK(parse(a, all_directives) == 0, "round-trip input parses");
	CHECK(parse(a, "user \"q\\\"uo\\\\te\"\n"
	    "server a {\n location \"/\" {\n  block return 59 \"x\\\"y\"\n"
	    " }\n}\n") == 0, "quoted input parses");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "escapes survive printing");
	free(out);
	CHECK(parse(a, all_directives) == 0, "round-trip input parses");
	CHECK(reparse(a, b, &out) == 0, "printed form parses");
	CHECK(conf_equal(a, b), "printed form gives the same struct");
	CHECK(reparse(b, a, &out2) == 0 && out != NULL && out2 != NULL &&
	    strcmp(out, out2) == 0, "printing is a fixed point");
	CHECK(strncmp(out, "listen \"127.0.0.1\"\nport 1966\n", 28) == 0,
	    "normal form starts with listen, port");
	free(out);
	free(out2);
	CHECK(conf_finish(a, errbuf, sizeof(errbuf)) == 0, "finish");
	CHECK(reparse(a, b, &out) == 0 && conf_finish(b, errbuf,
	    sizeof(errbuf)) == 0 && conf_equal(a, b),
	    "finished config round-trips");
	free(out);
	CHECK(parse(a, "") == 0 && reparse(a, b, &out) == 0 &&
	    conf_equal(a, b), "empty config round-trips");
	free(out);
	/* The other values of the top-level enumerations and lists; each
	 * is also checked as parsed, so that a round trip through a value
	 * both sides ignore could not pass. */
	CHECK(parse(a, round_trip_more) == 0 && a->log_format ==
	    CONF_LOG_COMMON && a->log_address == CONF_ADDR_NONE &&
	    a->rate == 60 && a->burst == 60 && a->proxy_gemini == 0 &&
	    a->proxy_gopher == 1 && a->nproxy_from == 3,
	    "second round-trip input parses");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "second input round-trips");
	CHECK(out != NULL && strstr(out, "\nlog-format common\n") != NULL &&
	    strstr(out, "\nlog-address none\n") != NULL &&
	    strstr(out, "\nrate-limit 60 60\n") != NULL &&
	    strstr(out, "\nproxy-protocol gopher\n") != NULL &&
	    strstr(out, "\nproxy-from \"192.0.2.1\"\n") != NULL &&
	    strstr(out, "\nlog \"/tmp/x.log\"\n") != NULL,
	    "second input's normal form");
	free(out);
	CHECK(parse(a, "log-format combined\nproxy-protocol gemini\n"
	    "rate-limit 7 3\n") == 0 && a->log_format == CONF_LOG_COMBINED &&
	    a->proxy_gemini == 1 && a->proxy_gopher == 0 && a->rate == 7 &&
	    a->burst == 3, "third round-trip input parses");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "third input round-trips");
	free(out);
}

static void
test_finish(struct conf *c)
{
	struct conf_host	*h = &c->hosts[0];

	conf_free(c);
	conf_init(c);
	CHECK(c->port == CONF_DEFAULT_PORT && c->timeout == 10 &&
	    c->write_timeout == 30 && c->max_conns_per_ip == 32 &&
	    c->tls_tickets == 0 && c->nhosts == 0 && c->workers == 0 &&
	    c->gopher_port == 0 && c->listen[0] == '\0' &&
	    c->gopher_cache == 16, "conf_init defaults");
	CHECK(conf_finish(c, errbuf, sizeof(errbuf)) == 0, "finish empty");
	CHECK(c->nhosts == 1 && strcmp(h->name, CONF_DEFAULT_HOST) == 0 &&
	    strcmp(h->root, CONF_DEFAULT_ROOT) == 0, "default host added");
	CHECK(strcmp(h->cert, "certs/localhost.pem") == 0 &&
	    strcmp(h->key, "certs/localhost.key") == 0, "default cert, key");
	CHECK(h->rootfd == -1 && h->auto_index == 0 && h->nlocations == 0,
	    "default host fields");
	CHECK(c->public_port == 1965 && c->gopher_public_port == 0,
	    "public ports derived");
	CHECK(strcmp(c->gopher_host, "localhost") == 0, "gopher-host derived");

	CHECK(parse(c, "port 2000\ngopher 7070\nserver a.org {\n root /r\n"
	    "}\nserver b.org {\n root /s\n cert /c.pem\n}\n") == 0 &&
	    conf_finish(c, errbuf, sizeof(errbuf)) == 0, "finish two hosts");
	CHECK(c->public_port == 2000 && c->gopher_public_port == 7070,
	    "public ports follow ports");
	CHECK(strcmp(c->gopher_host, "a.org") == 0,
	    "first host is gopher host");
	CHECK(strcmp(c->hosts[1].cert, "/c.pem") == 0 &&
	    strcmp(c->hosts[1].key, "certs/b.org.key") == 0,
	    "given cert kept, key defaulted");
	CHECK(parse(c, "server a {\n}\n") == 0 && conf_finish(c, errbuf,
	    sizeof(errbuf)) == -1 && strstr(errbuf, "no root") != NULL,
	    "server without root");
	CHECK(parse(c, "gopher 1965\n") == 0 && conf_finish(c, errbuf,
	    sizeof(errbuf)) == -1 && strstr(errbuf, "Gemini port") != NULL,
	    "gopher on the Gemini port");
	CHECK(parse(c, "gopher 70\nserver \"*.a.org\" {\n root /r\n}\n") == 0 &&
	    conf_finish(c, errbuf, sizeof(errbuf)) == -1 &&
	    strstr(errbuf, "gopher-host") != NULL, "wildcard gopher host");
}

/* Write text to dir/name. */
static void
put(const char *dir, const char *name, const char *text)
{
	char	 path[512];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		return;
	}
	fputs(text, fp);
	fclose(fp);
}

static int
load(struct conf *c, const char *dir, const char *name)
{
	char	path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	conf_free(c);
	conf_init(c);
	errbuf[0] = '\0';
	return conf_load(path, c, errbuf, sizeof(errbuf));
}

static void
test_include(struct conf *c, const char *dir)
{
	char	 prefix[600], path[600];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	put(dir, "main.conf", "port 2000\ninclude \"sub/a.conf\"\n"
	    "server m {\n root /m\n}\n");
	put(dir, "sub/a.conf", "# relative to sub/\ninclude \"b.conf\"\n"
	    "server a {\n root /a\n}\n");
	put(dir, "sub/b.conf", "workers 3\n");
	CHECK(load(c, dir, "main.conf") == 0, "nested includes load");
	CHECK(c->port == 2000 && c->workers == 3 && c->nhosts == 2 &&
	    strcmp(c->hosts[0].name, "a") == 0 &&
	    strcmp(c->hosts[1].name, "m") == 0, "included settings land");

	put(dir, "loop.conf", "\ninclude \"loop.conf\"\n");
	snprintf(prefix, sizeof(prefix), "%s/loop.conf:2: include: ", dir);
	CHECK(load(c, dir, "loop.conf") == -1 && err_is(prefix,
	    "include nested too deeply (max 8)"), "include loop stops");

	put(dir, "bad.conf", "port 1\n\ninclude \"sub/c.conf\"\n");
	put(dir, "sub/c.conf", "\n\nprot 1\n");
	snprintf(prefix, sizeof(prefix), "%s/bad.conf:3: include: %s/sub/"
	    "c.conf:3: ", dir, dir);
	CHECK(load(c, dir, "bad.conf") == -1 && err_is(prefix,
	    "unknown directive 'prot'"), "error inside an include");

	put(dir, "missing.conf", "include \"nope.conf\"\n");
	snprintf(prefix, sizeof(prefix), "%s/missing.conf:1: include: ", dir);
	CHECK(load(c, dir, "missing.conf") == -1 && err_is(prefix,
	    "No such file"), "missing include");

	put(dir, "indir.conf", "include \"sub\"\n");
	CHECK(load(c, dir, "indir.conf") == -1 && strstr(errbuf,
	    "not a regular file") != NULL, "include a directory");

	put(dir, "inserver.conf", "server a {\n include \"b\"\n}\n");
	CHECK(load(c, dir, "inserver.conf") == -1 && strstr(errbuf,
	    "inserver.conf:2: include is only allowed outside blocks") != NULL,
	    "include inside a server");

	snprintf(path, sizeof(path), "%s/abs.conf", dir);
	fp = fopen(path, "w");
	if (fp != NULL) {
		fprintf(fp, "include \"%s/sub/b.conf\"\n", dir);
		fclose(fp);
	}
	CHECK(load(c, dir, "abs.conf") == 0 && c->workers == 3,
	    "absolute include path");
}

/* conf_load's own checks: missing, too large. */
static void
test_load(struct conf *c, const char *dir)
{
	char	*big;

	CHECK(load(c, dir, "none.conf") == -1 && strstr(errbuf,
	    "none.conf: No such file") != NULL, "conf_load missing file");
	if ((big = calloc(1, 1024 * 1024 + 2)) != NULL) {
		memset(big, '#', 1024 * 1024 + 1);
		put(dir, "big.conf", big);
		CHECK(load(c, dir, "big.conf") == -1 && strstr(errbuf,
		    "file too large") != NULL, "file over 1 MiB");
		big[1024 * 1024] = '\0';
		put(dir, "big.conf", big);
		CHECK(load(c, dir, "big.conf") == 0, "file of exactly 1 MiB");
		free(big);
	}
}

static void
test_files(struct conf *c)
{
	char	dir[] = "/tmp/test_conf.XXXXXX", cmd[600];

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	test_include(c, dir);
	test_load(c, dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void
test_small_errbuf(struct conf *c)
{
	char	small[8];

	conf_free(c);
	conf_init(c);
	CHECK(conf_parse("prot 1\n", 7, "t.conf", c, small, sizeof(small))
	    == -1 && strcmp(small, "t.conf:") == 0, "errbuf truncated");
	CHECK(conf_parse("prot 1\n", 7, "t.conf", c, NULL, 0) == -1,
	    "no errbuf at all");
}

static void
test_example(struct conf *a, struct conf *b)
{
	char	*out;

	conf_free(a);
	conf_init(a);
	CHECK(conf_load("capsuled.conf.example", a, errbuf, sizeof(errbuf))
	    == 0, "capsuled.conf.example parses");
	if (errbuf[0] != '\0')
		fprintf(stderr, "  %s\n", errbuf);
	CHECK(a->nhosts == 2 && a->gopher_port == 70, "example content");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "example round-trips");
	free(out);
	CHECK(conf_finish(a, errbuf, sizeof(errbuf)) == 0, "example finishes");
}

/* proxy-from is kept in the form getnameinfo() prints a peer in, so
 * any spelling of the proxy's address matches it (found by review:
 * "0:0:0:0:0:0:0:1" parsed, then matched nothing). */
static const char titan_conf[] =
    "feed-entries 0\n"
    "server \"example.org\" {\n"
    "\tlocation \"/posts/*\" {\n"
    "\t\ttitan on\n"
    "\t\ttitan-fingerprint \"" FPR "\"\n"
    "\t\ttitan-token \"a long \\\"secret\\\"\"\n"
    "\t\ttitan-token other\n"
    "\t\ttitan-max-size 2048\n"
    "\t\ttitan-mime \"text/gemini\" \"text/plain\" \"image/*\"\n"
    "\t\ttitan-delete on\n"
    "\t}\n"
    "\tlocation \"/other/*\" {\n"
    "\t\ttitan off\n"
    "\t}\n"
    "}\n";

static void
test_titan(struct conf *a, struct conf *b)
{
	const struct conf_titan	*t;
	char			*out = NULL;

	CHECK(parse(a, "server a {\n location \"/x\" { }\n}\n") == 0 &&
	    !a->hosts[0].locations[0].titan.on &&
	    a->hosts[0].locations[0].titan.max_size == 1048576 &&
	    a->hosts[0].locations[0].titan.dirfd == -1 &&
	    a->feed_entries == 20, "defaults: off, 1 MiB, feed of 20");
	CHECK(parse(a, titan_conf) == 0, "the upload directives parse");
	if (errbuf[0] != '\0')
		fprintf(stderr, "  %s\n", errbuf);
	t = &a->hosts[0].locations[0].titan;
	CHECK(a->feed_entries == 0, "feed-entries 0: all");
	CHECK(t->on && t->delete && t->max_size == 2048, "on, delete, size");
	CHECK(t->nfingerprints == 1 && strcmp(t->fingerprints[0], FPR) == 0,
	    "titan-fingerprint");
	CHECK(t->ntokens == 2 && strcmp(t->tokens[0],
	    "a long \"secret\"") == 0 && strcmp(t->tokens[1], "other") == 0,
	    "two tokens, one quoted");
	CHECK(t->nmimes == 3 && strcmp(t->mimes[2], "image/*") == 0,
	    "titan-mime list");
	CHECK(a->hosts[0].locations[0].nfingerprints == 0,
	    "uploaders are not readers' allow-list");
	CHECK(!a->hosts[0].locations[1].titan.on, "titan off");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "the upload settings round-trip");
	CHECK(out != NULL && strstr(out, "\nfeed-entries 0\n") != NULL &&
	    strstr(out, "\t\ttitan-mime \"text/gemini\" \"text/plain\" "
	    "\"image/*\"\n") != NULL, "in normal form");
	free(out);
	CHECK(parse(a, "server a {\n location \"/x\" {\n  titan on\n"
	    "  titan-token t\n }\n}\n") == 0, "a token alone is enough");
	CHECK(parse(a, "server a {\n location \"/x\" {\n  titan on\n"
	    "  titan-fingerprint " FPR "\n }\n}\n") == 0,
	    "a fingerprint alone is enough");
}

static void
test_proxy_from_spelling(struct conf *c)
{
	CHECK(parse(c, "proxy-from \"0:0:0:0:0:0:0:1\"\n"
	    "proxy-from \"2001:DB8:0::7\"\n"
	    "proxy-from \"::ffff:192.0.2.9\"\n"
	    "proxy-from 192.0.2.10\n") == 0, errbuf);
	CHECK(c->nproxy_from == 4, "four proxies");
	CHECK(strcmp(c->proxy_from[0], "::1") == 0, "::1 written long");
	CHECK(strcmp(c->proxy_from[1], "2001:db8::7") == 0,
	    "upper case and a zero group");
	CHECK(strcmp(c->proxy_from[2], "192.0.2.9") == 0,
	    "IPv4-mapped is the IPv4 address");
	CHECK(strcmp(c->proxy_from[3], "192.0.2.10") == 0, "IPv4 as it is");
}

static const char dynamic_conf[] =
    "cgi-timeout 10\n"
    "max-programs 200\n"
    "max-programs-per-worker 50\n"
    "server \"example.org\" {\n"
    "    location \"/cgi-bin/*\" { cgi on }\n"
    "    location \"/app/*\" { scgi \"/run/app.sock\" }\n"
    "    location \"/tcp/*\" { scgi \"127.0.0.1:4000\" }\n"
    "    location \"/wiki/*\" { fastcgi \"/run/fcgiwrap.socket\"\n"
    "        fastcgi-param \"SCRIPT_FILENAME\" \"/var/gemini/wiki.cgi\"\n"
    "        fastcgi-param DOCUMENT_ROOT \"\" }\n"
    "    location \"/mirror/*\" { proxy \"127.0.0.1:1966\"\n"
    "        proxy-fingerprint \"" FPR "\"\n"
    "        proxy-sni \"backend.example\" }\n"
    "    location \"/v6/*\" { proxy-sni x; proxy \"[::1]:1965\" }\n"
    "    location \"/off/*\" { cgi on; cgi off }\n"
    "}\n";

static const struct {
	const char	*in;
	const char	*prefix;
	const char	*msg;
	const char	*why;
} dynamic_errors[] = {
	{ "server a {\n location \"/x\" { cgi on; scgi \"/a.sock\" }\n}\n",
	  "t.conf:2: ", "this location already has 'cgi'", "two sources" },
	{ "server a {\n location \"/x\" { scgi \"a.sock\" }\n}\n",
	  "t.conf:2: ", "expected a socket path", "a relative socket path" },
	{ "server a {\n location \"/x\" { proxy \"/a.sock\" }\n}\n",
	  "t.conf:2: ", "not a socket path", "the proxy speaks TCP" },
	{ "server a {\n location \"/x\" { fastcgi \"example.org:9000\" }\n"
	  "}\n", "t.conf:2: ", "names are not resolved", "a host name" },
	{ "server a {\n location \"/x\" { scgi \"127.0.0.1:0\" }\n}\n",
	  "t.conf:2: ", "expected a socket path", "port 0" },
	{ "server a {\n\n location \"/x\" {\n fastcgi-param A b }\n}\n",
	  "t.conf:3: ", "fastcgi-param without fastcgi", "param alone" },
	{ "server a {\n location \"/x\" { fastcgi \"/f\"; fastcgi-param "
	  "\"A=B\" c }\n}\n", "t.conf:2: ", "invalid name", "'=' in a name" },
	{ "server a {\n location \"/x\" { proxy-sni x }\n}\n", "t.conf:2: ",
	  "without proxy", "proxy-sni alone" },
	{ "server a {\n location \"/x\" { proxy \"127.0.0.1:1\"; "
	  "proxy-fingerprint abc }\n}\n", "t.conf:2: ", "64 hex digits",
	  "a short fingerprint" },
	{ "server a {\n location \"/x\" { cgi on\n block }\n}\n",
	  "t.conf:2: ", "cannot also block", "cgi and block" },
	{ "server a {\n location \"/x\" { cgi yes }\n}\n", "t.conf:2: ",
	  "expected 'on' or 'off'", "cgi yes" },
	{ "server a { cgi on }\n", "t.conf:1: ", "outside a location block",
	  "cgi in a server block" },
	{ "cgi-timeout 0\n", "t.conf:1: ", "cgi-timeout must be 1-3600",
	  "cgi-timeout 0" },
	{ "max-programs 0\n", "t.conf:1: ", "max-programs must be 1-100000",
	  "max-programs 0" },
};

static void
test_dynamic(struct conf *a, struct conf *b)
{
	struct conf_location	*l = a->hosts[0].locations;
	char			*out;
	size_t			 i;

	CHECK(parse(a, dynamic_conf) == 0, "the dynamic directives parse");
	if (errbuf[0] != '\0')
		fprintf(stderr, "  %s\n", errbuf);
	CHECK(a->cgi_timeout == 10 && a->max_programs == 200 &&
	    a->max_programs_worker == 50, "cgi-timeout and the caps");
	CHECK(l[0].dynamic == CONF_DYN_CGI, "cgi on");
	CHECK(strcmp(l[0].where, "t.conf:5") == 0, "where the block is");
	CHECK(l[1].dynamic == CONF_DYN_SCGI &&
	    strcmp(l[1].backend, "/run/app.sock") == 0, "scgi on a socket");
	CHECK(l[2].dynamic == CONF_DYN_SCGI &&
	    strcmp(l[2].backend, "127.0.0.1:4000") == 0, "scgi on TCP");
	CHECK(l[3].dynamic == CONF_DYN_FASTCGI && l[3].nparams == 2 &&
	    strcmp(l[3].params[0].name, "SCRIPT_FILENAME") == 0 &&
	    strcmp(l[3].params[0].value, "/var/gemini/wiki.cgi") == 0 &&
	    l[3].params[1].value[0] == '\0', "fastcgi and its params");
	CHECK(l[4].dynamic == CONF_DYN_PROXY &&
	    strcmp(l[4].proxy_fpr, FPR) == 0 &&
	    strcmp(l[4].proxy_sni, "backend.example") == 0, "the proxy's");
	CHECK(l[5].dynamic == CONF_DYN_PROXY, "settings before proxy");
	CHECK(l[6].dynamic == CONF_DYN_NONE, "cgi off undoes cgi on");
	CHECK(reparse(a, b, &out) == 0 && conf_equal(a, b),
	    "dynamic locations round-trip");
	free(out);
	CHECK(parse(a, "") == 0 && a->cgi_timeout == CONF_DEFAULT_CGI_TIMEOUT &&
	    a->max_programs == CONF_DEFAULT_PROGRAMS &&
	    a->max_programs_worker == 0, "the defaults");
	for (i = 0; i < sizeof(dynamic_errors) / sizeof(dynamic_errors[0]);
	    i++) {
		CHECK(parse(a, dynamic_errors[i].in) == -1 &&
		    err_is(dynamic_errors[i].prefix, dynamic_errors[i].msg),
		    dynamic_errors[i].why);
		if (!err_is(dynamic_errors[i].prefix, dynamic_errors[i].msg))
			fprintf(stderr, "  got: %s\n", errbuf);
	}
}

int
main(void)
{
	struct conf	*a, *b;

	/* Each struct conf is some 30 MB: never on the stack. */
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL) {
		perror("calloc");
		return 2;
	}
	test_errors(a);
	test_all_directives(a);
	test_quoting(a);
	test_limits(a);
	test_roundtrip(a, b);
	test_finish(a);
	test_files(a);
	test_small_errbuf(a);
	test_example(a, b);
	test_proxy_from_spelling(a);
	test_dynamic(a, b);
	test_titan(a, b);
	conf_free(a);
	conf_free(b);
	free(a);
	free(b);
	return test_done("conf");
}
