/*
 * conf.c: the configuration file (capsuled.conf(5)): a lexer and a
 * recursive-descent parser over a buffer, in the manner of OpenBSD
 * httpd.conf and gmid.
 *
 *   file      = *( [ directive ] eol )
 *   directive = word *arg [ block ]
 *   block     = "{" *( [ directive ] eol ) "}"
 *   arg       = word / string
 *   word      = 1*( any byte above SP except DQUOTE "#" ";" "{" "}" DEL )
 *   string    = DQUOTE *( "\" DQUOTE / "\\" / any byte but CTL ) DQUOTE
 *   eol       = LF / ";" / end of input, or the "}" closing a block
 *   comment   = "#" up to the LF, outside strings
 *
 * SP, HTAB and CR separate tokens, so CRLF files parse.  Tokens must be
 * UTF-8.  Blocks nest only server > location, so the recursion is at most
 * three deep; includes are limited to CONF_INCLUDE_DEPTH.
 *
 * The parser is pure except for "include", which calls conf_load().
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "capsuled.h"
#include "conf.h"
#include "target.h"
#include "utf8.h"

#define CONF_FILE_MAX		(1024 * 1024)	/* bytes conf_load reads */
#define CONF_INCLUDE_DEPTH	8	/* nested include files */
#define CONF_FPR_MAX		1024	/* allow-fingerprint per location */
#define CONF_LIST_MAX		64	/* titan-tokens, titan-mimes per
					   location */
#define CONF_QUOTE_MAX		48	/* bytes of a token quoted in errors */

/* Token types; CONF_T_ERR means errbuf holds the reason. */
#define CONF_T_ERR	(-1)
#define CONF_T_EOF	0
#define CONF_T_EOL	1
#define CONF_T_WORD	2
#define CONF_T_STRING	3
#define CONF_T_LBRACE	4
#define CONF_T_RBRACE	5

/* Where a directive may appear (a mask). */
#define CONF_S_TOP	0x1
#define CONF_S_SERVER	0x2
#define CONF_S_LOC	0x4

struct conf_tok {
	int	type;
	int	line;
	char	val[CONF_PATH_MAX];
};

struct conf_parser {
	const char		*buf;
	size_t			 len;
	size_t			 pos;
	const char		*name;		/* file name for messages */
	int			 line;
	int			 depth;		/* include nesting */
	struct conf		*conf;
	struct conf_host	*host;		/* inside a server block */
	struct conf_location	*loc;		/* inside a location block */
	const char		*directive;	/* for messages */
	struct conf_tok		 tok;		/* the last token lexed */
	int			 peeked;	/* tok lexed, not yet taken */
	char			*errbuf;
	size_t			 errbufsize;
};

struct conf_directive {
	const char	*name;
	int		 scope;
	int		(*parse)(struct conf_parser *);
};

static int	conf_errf(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	conf_err(struct conf_parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	conf_parse_depth(const char *, size_t, const char *,
		    struct conf *, char *, size_t, int);
static int	conf_load_depth(const char *, struct conf *, char *, size_t,
		    int);
static int	conf_body(struct conf_parser *, int, int);
static int	conf_fingerprint(const char *, char[65]);
static int	conf_location_done(struct conf_parser *, int);

/*
 * The one place a message is formatted into errbuf.  A message cut
 * short by a small errbuf is still worth reporting, so truncation is
 * accepted here and only here.
 */
static int
conf_errf(char *errbuf, size_t errbufsize, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (errbuf == NULL || errbufsize == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(errbuf, errbufsize, fmt, ap);
	va_end(ap);
	if (n < 0)
		errbuf[0] = '\0';
	return -1;
}

/* "name:line: message"; always returns -1. */
static int
conf_err(struct conf_parser *p, int line, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	return conf_errf(p->errbuf, p->errbufsize, "%s:%d: %s", p->name,
	    line, msg);
}

/* Length of s to quote in a message, not splitting a UTF-8 character. */
static int
conf_quotelen(const char *s)
{
	return (int)utf8_cut(s, strlen(s), CONF_QUOTE_MAX);
}

/* Blank space between tokens: SP, HTAB, and the CR of a CRLF. */
static int
conf_lex_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A byte that ends a word. */
static int
conf_lex_delim(char c)
{
	return conf_lex_blank(c) || c == '\n' || c == '#' || c == ';' ||
	    c == '{' || c == '}' || c == '"';
}

/* CTL = %x00-1F / %x7F */
static int
conf_lex_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* Skip blanks and comments, up to (not over) a LF. */
static void
conf_lex_skip(struct conf_parser *p)
{
	for (;;) {
		while (p->pos < p->len && conf_lex_blank(p->buf[p->pos]))
			p->pos++;
		if (p->pos == p->len || p->buf[p->pos] != '#')
			return;
		while (p->pos < p->len && p->buf[p->pos] != '\n')
			p->pos++;
	}
}

/* Finish a word or string of n bytes: it must be UTF-8. */
static int
conf_lex_done(struct conf_parser *p, struct conf_tok *t, size_t n,
    int type)
{
	t->val[n] = '\0';
	if (!utf8_valid(t->val, n))
		return conf_err(p, t->line, "invalid UTF-8");
	return type;
}

/* word = 1*( any byte above SP except DQUOTE "#" ";" "{" "}" DEL ) */
static int
conf_lex_word(struct conf_parser *p, struct conf_tok *t)
{
	size_t	n = 0;
	char	c;

	while (p->pos < p->len && !conf_lex_delim(p->buf[p->pos])) {
		c = p->buf[p->pos++];
		if (conf_lex_ctl(c))
			return conf_err(p, t->line, "control character");
		if (n + 1 >= sizeof(t->val))
			return conf_err(p, t->line, "string too long");
		t->val[n++] = c;
	}
	/* foo"bar" is a typo more often than two tokens. */
	if (p->pos < p->len && p->buf[p->pos] == '"')
		return conf_err(p, t->line, "unexpected '\"' in a word");
	return conf_lex_done(p, t, n, CONF_T_WORD);
}

/*
 * string = DQUOTE *( escape / any byte but DQUOTE "\" CTL ) DQUOTE
 * escape = "\" ( DQUOTE / "\" )
 * A string ends on its line: a LF before the DQUOTE is an error.
 */
static int
conf_lex_string(struct conf_parser *p, struct conf_tok *t)
{
	size_t	n = 0;
	char	c;

	p->pos++;
	for (;;) {
		if (p->pos == p->len || p->buf[p->pos] == '\n')
			return conf_err(p, t->line, "unterminated string");
		c = p->buf[p->pos++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (p->pos == p->len || p->buf[p->pos] == '\n')
				return conf_err(p, t->line,
				    "unterminated string");
			c = p->buf[p->pos++];
			if (c != '"' && c != '\\')
				return conf_err(p, t->line, "unknown escape "
				    "in string (only \\\" and \\\\)");
		} else if (conf_lex_ctl(c))
			return conf_err(p, t->line,
			    "control character in string");
		if (n + 1 >= sizeof(t->val))
			return conf_err(p, t->line, "string too long");
		t->val[n++] = c;
	}
	return conf_lex_done(p, t, n, CONF_T_STRING);
}

/* Lex one token into *t; returns its type. */
static int
conf_lex(struct conf_parser *p, struct conf_tok *t)
{
	conf_lex_skip(p);
	t->line = p->line;
	t->val[0] = '\0';
	if (p->pos == p->len)
		return t->type = CONF_T_EOF;
	switch (p->buf[p->pos]) {
	case '\n':
		p->line++;
		p->pos++;
		return t->type = CONF_T_EOL;
	case ';':
		p->pos++;
		return t->type = CONF_T_EOL;
	case '{':
		p->pos++;
		return t->type = CONF_T_LBRACE;
	case '}':
		p->pos++;
		return t->type = CONF_T_RBRACE;
	case '"':
		return t->type = conf_lex_string(p, t);
	default:
		return t->type = conf_lex_word(p, t);
	}
}

/* Take the next token (the peeked one first); its value is in p->tok. */
static int
conf_next(struct conf_parser *p)
{
	if (p->peeked) {
		p->peeked = 0;
		return p->tok.type;
	}
	return conf_lex(p, &p->tok);
}

/* Look at the next token without taking it. */
static int
conf_peek(struct conf_parser *p)
{
	if (!p->peeked) {
		if (conf_lex(p, &p->tok) == CONF_T_ERR)
			return CONF_T_ERR;
		p->peeked = 1;
	}
	return p->tok.type;
}

/* eol, or a "}" left for the block to take. */
static int
conf_end(struct conf_parser *p)
{
	switch (conf_peek(p)) {
	case CONF_T_ERR:
		return -1;
	case CONF_T_EOL:
		p->peeked = 0;
		return 0;
	case CONF_T_EOF:
	case CONF_T_RBRACE:
		return 0;
	case CONF_T_LBRACE:
		return conf_err(p, p->tok.line, "unexpected '{' after '%s'",
		    p->directive);
	default:
		return conf_err(p, p->tok.line, "unexpected '%.*s' after '%s'",
		    conf_quotelen(p->tok.val), p->tok.val, p->directive);
	}
}

/* arg = word / string; the value is left in p->tok.val. */
static int
conf_arg(struct conf_parser *p)
{
	int	t;

	if ((t = conf_next(p)) == CONF_T_ERR)
		return -1;
	if (t != CONF_T_WORD && t != CONF_T_STRING)
		return conf_err(p, p->tok.line, "missing argument for '%s'",
		    p->directive);
	return 0;
}

/* A string argument copied into dst[size]; empty only when emptyok. */
static int
conf_arg_str(struct conf_parser *p, char *dst, size_t size, int emptyok)
{
	size_t	n;

	if (conf_arg(p) == -1)
		return -1;
	n = strlen(p->tok.val);
	if (n == 0 && !emptyok)
		return conf_err(p, p->tok.line, "empty string for '%s'",
		    p->directive);
	if (n >= size)
		return conf_err(p, p->tok.line,
		    "string too long for '%s' (max %zu bytes)", p->directive,
		    size - 1);
	memcpy(dst, p->tok.val, n + 1);
	return 0;
}

/* number = 1*DIGIT, within [min, max]; what names it in messages. */
static int
conf_arg_num(struct conf_parser *p, const char *what, int *out, int min,
    int max)
{
	const char	*s;
	long long	 v = 0;

	if (conf_arg(p) == -1)
		return -1;
	s = p->tok.val;
	if (*s == '\0')
		return conf_err(p, p->tok.line, "%s: expected a number", what);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return conf_err(p, p->tok.line,
			    "%s: expected a number", what);
		/* Stop growing past max: long digit strings cannot wrap. */
		if (v <= max)
			v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return conf_err(p, p->tok.line, "%s must be %d-%d", what, min,
		    max);
	*out = (int)v;
	return 0;
}

/* flag = "on" / "off" */
static int
conf_arg_flag(struct conf_parser *p, int *out)
{
	if (conf_arg(p) == -1)
		return -1;
	if (strcmp(p->tok.val, "on") == 0)
		*out = 1;
	else if (strcmp(p->tok.val, "off") == 0)
		*out = 0;
	else
		return conf_err(p, p->tok.line, "%s: expected 'on' or 'off'",
		    p->directive);
	return 0;
}

/* A whole "directive number" line. */
static int
conf_num_line(struct conf_parser *p, int *out, int min, int max)
{
	if (conf_arg_num(p, p->directive, out, min, max) == -1)
		return -1;
	return conf_end(p);
}

/* A whole "directive string" line. */
static int
conf_str_line(struct conf_parser *p, char *dst, size_t size, int emptyok)
{
	if (conf_arg_str(p, dst, size, emptyok) == -1)
		return -1;
	return conf_end(p);
}

static int
conf_ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * name  = [ "*." ] label *( "." label )	("*." only when wildok)
 * label = 1*( ALPHA / DIGIT / "-" / "_" )
 * Names also become certificate file names, so nothing else gets in.
 */
static int
conf_name_valid(const char *s, int wildok)
{
	if (wildok && s[0] == '*' && s[1] == '.')
		s += 2;
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.' && (s[1] == '.' || s[1] == '\0'))
			return 0;
		if (*s != '.' && *s != '-' && *s != '_' &&
		    !conf_ascii_alnum(*s))
			return 0;
	}
	return 1;
}

/* A host name argument into dst[CONF_NAME_MAX + 1]. */
static int
conf_arg_name(struct conf_parser *p, char *dst, int wildok)
{
	if (conf_arg_str(p, dst, CONF_NAME_MAX + 1, 0) == -1)
		return -1;
	if (!conf_name_valid(dst, wildok))
		return conf_err(p, p->tok.line, "invalid host name '%.*s'",
		    conf_quotelen(dst), dst);
	return 0;
}

/* lang = *( ALPHA / DIGIT / "-" / "," ): it goes into a MIME parameter. */
static int
conf_lang_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != '-' && *s != ',' && !conf_ascii_alnum(*s))
			return 0;
	return 1;
}

/* type = token "/" token [ ";" params ]: enough to catch "text" alone. */
static int
conf_type_valid(const char *s)
{
	const char	*slash = strchr(s, '/');

	return slash != NULL && slash != s && slash[1] != '\0' &&
	    slash[1] != ';';
}

/* listen = "listen" address; "" or "*" for every address */
static int
conf_set_listen(struct conf_parser *p)
{
	return conf_str_line(p, p->conf->listen, sizeof(p->conf->listen), 1);
}

/* port = "port" 1-65535 */
static int
conf_set_port(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->port, 1, 65535);
}

/* public-port = "public-port" 0-65535; 0 = same as port */
static int
conf_set_public_port(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->public_port, 0, 65535);
}

/* gopher = "gopher" 0-65535; 0 = off */
static int
conf_set_gopher(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->gopher_port, 0, 65535);
}

/* gopher-public-port = "gopher-public-port" 0-65535 */
static int
conf_set_gopher_public_port(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->gopher_public_port, 0, 65535);
}

/* gopher-host = "gopher-host" name; "" = the first server's name */
static int
conf_set_gopher_host(struct conf_parser *p)
{
	char	*dst = p->conf->gopher_host;

	if (conf_arg_str(p, dst, CONF_NAME_MAX + 1, 1) == -1)
		return -1;
	if (dst[0] != '\0' && !conf_name_valid(dst, 0))
		return conf_err(p, p->tok.line, "invalid host name '%.*s'",
		    conf_quotelen(dst), dst);
	return conf_end(p);
}

/* workers = "workers" 0-64; 0 = one per core */
static int
conf_set_workers(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->workers, 0, 64);
}

/* user = "user" name; "" = keep the starting user */
static int
conf_set_user(struct conf_parser *p)
{
	return conf_str_line(p, p->conf->user, sizeof(p->conf->user), 1);
}

/* chroot = "chroot" path; "" = none */
static int
conf_set_chroot(struct conf_parser *p)
{
	return conf_str_line(p, p->conf->chroot, sizeof(p->conf->chroot), 1);
}

/* timeout = "timeout" 1-3600 */
static int
conf_set_timeout(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->timeout, 1, 3600);
}

/* log = "log" path; "" = stderr */
static int
conf_set_log(struct conf_parser *p)
{
	return conf_str_line(p, p->conf->logfile, sizeof(p->conf->logfile),
	    1);
}

static const char *const conf_log_formats[] = {
	"default", "common", "combined", "json", NULL
};
static const char *const conf_log_addresses[] = {
	"truncate", "full", "none", NULL
};

/* One of the words in names (a NULL-terminated list); *out its index. */
static int
conf_arg_word(struct conf_parser *p, const char *const *names, int *out)
{
	int	i;

	if (conf_arg(p) == -1)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(p->tok.val, names[i]) == 0) {
			*out = i;
			return conf_end(p);
		}
	return conf_err(p, p->tok.line, "%s: unknown value '%.*s'",
	    p->directive, CONF_QUOTE_MAX, p->tok.val);
}

/* log-format = "log-format" ( "default" / "common" / "combined" / "json" ) */
static int
conf_set_log_format(struct conf_parser *p)
{
	return conf_arg_word(p, conf_log_formats, &p->conf->log_format);
}

/* log-address = "log-address" ( "truncate" / "full" / "none" ) */
static int
conf_set_log_address(struct conf_parser *p)
{
	return conf_arg_word(p, conf_log_addresses, &p->conf->log_address);
}

/* rate-limit = "rate-limit" 0-100000 [ 1-100000 ]: per minute, burst */
static int
conf_set_rate_limit(struct conf_parser *p)
{
	if (conf_arg_num(p, "rate-limit", &p->conf->rate, 0, 100000) == -1)
		return -1;
	p->conf->burst = p->conf->rate > 0 ? p->conf->rate : 1;
	if (conf_peek(p) != CONF_T_WORD && p->tok.type != CONF_T_STRING)
		return conf_end(p);
	if (conf_arg_num(p, "rate-limit burst", &p->conf->burst, 1,
	    100000) == -1)
		return -1;
	return conf_end(p);
}

/* proxy-protocol = "proxy-protocol" 1*( "gemini" / "gopher" ) / "off" */
static int
conf_set_proxy_protocol(struct conf_parser *p)
{
	int	n = 0;

	p->conf->proxy_gemini = p->conf->proxy_gopher = 0;
	while (n == 0 || conf_peek(p) == CONF_T_WORD) {
		if (conf_arg(p) == -1)
			return -1;
		if (strcmp(p->tok.val, "gemini") == 0)
			p->conf->proxy_gemini = 1;
		else if (strcmp(p->tok.val, "gopher") == 0)
			p->conf->proxy_gopher = 1;
		else if (strcmp(p->tok.val, "off") != 0 || n > 0)
			return conf_err(p, p->tok.line, "proxy-protocol: "
			    "expected 'gemini', 'gopher' or 'off', not '%.*s'",
			    CONF_QUOTE_MAX, p->tok.val);
		n++;
	}
	return conf_end(p);
}

/* proxy-from = "proxy-from" address (an IPv4 or IPv6 literal) */
/*
 * Rewrite an address literal in the form getnameinfo() prints peers in
 * (0:0:0:0:0:0:0:1 becomes ::1, ::ffff:192.0.2.1 becomes 192.0.2.1), so
 * that comparing strings compares addresses.  0, or -1 if not one.
 */
static int
conf_canonical_address(char *addr, size_t size)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return inet_ntop(AF_INET, &a4, addr, (socklen_t)size) ? 0 : -1;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return inet_ntop(AF_INET, a6.s6_addr + 12, addr,
		    (socklen_t)size) ? 0 : -1;
	return inet_ntop(AF_INET6, &a6, addr, (socklen_t)size) ? 0 : -1;
}

static int
conf_set_proxy_from(struct conf_parser *p)
{
	struct conf	*c = p->conf;

	if (c->nproxy_from >= CONF_PROXY_FROM_MAX)
		return conf_err(p, p->line, "too many proxy-from addresses "
		    "(max %d)", CONF_PROXY_FROM_MAX);
	if (conf_arg_str(p, c->proxy_from[c->nproxy_from],
	    sizeof(c->proxy_from[0]), 0) == -1)
		return -1;
	if (conf_canonical_address(c->proxy_from[c->nproxy_from],
	    sizeof(c->proxy_from[0])) == -1)
		return conf_err(p, p->tok.line, "proxy-from: not an IP "
		    "address: '%.*s'", CONF_QUOTE_MAX, p->tok.val);
	c->nproxy_from++;
	return conf_end(p);
}

/* write-timeout = "write-timeout" 1-3600 */
static int
conf_set_write_timeout(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->write_timeout, 1, 3600);
}

/* gopher-cache = "gopher-cache" 0-4096 (MiB per worker; 0 = none) */
static int
conf_set_gopher_cache(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->gopher_cache, 0, 4096);
}

/* cgi-timeout = "cgi-timeout" 1-3600 */
static int
conf_set_cgi_timeout(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->cgi_timeout, 1, 3600);
}

/* max-programs = "max-programs" 1-100000 */
static int
conf_set_max_programs(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->max_programs, 1, 100000);
}

/* max-programs-per-worker = "max-programs-per-worker" 0-100000 */
static int
conf_set_max_programs_worker(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->max_programs_worker, 0, 100000);
}

/* max-connections = "max-connections" 0-1000000; 0 = from the fd limit */
static int
conf_set_max_conns(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->max_conns, 0, 1000000);
}

/* max-connections-per-ip = "max-connections-per-ip" 1-1000000 */
static int
conf_set_max_conns_per_ip(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->max_conns_per_ip, 1, 1000000);
}

/* tls-tickets = "tls-tickets" 0-16 */
static int
conf_set_tls_tickets(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->tls_tickets, 0, 16);
}

/* An include path, relative to the including file's directory. */
static int
conf_include_path(const char *name, const char *path, char *out,
    size_t size)
{
	const char	*slash;
	int		 n;

	if (path[0] == '/' || (slash = strrchr(name, '/')) == NULL)
		n = snprintf(out, size, "%s", path);
	else
		n = snprintf(out, size, "%.*s/%s", (int)(slash - name), name,
		    path);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * include = "include" path
 * The included file is parsed as a whole file into the same conf.
 */
static int
conf_set_include(struct conf_parser *p)
{
	char	arg[CONF_PATH_MAX], path[CONF_PATH_MAX], sub[1024];
	int	line = p->tok.line;

	if (conf_str_line(p, arg, sizeof(arg), 0) == -1)
		return -1;
	if (p->depth >= CONF_INCLUDE_DEPTH)
		return conf_err(p, line, "include nested too deeply (max %d)",
		    CONF_INCLUDE_DEPTH);
	if (conf_include_path(p->name, arg, path, sizeof(path)) == -1)
		return conf_err(p, line, "include path too long");
	if (conf_load_depth(path, p->conf, sub, sizeof(sub),
	    p->depth + 1) == -1)
		return conf_err(p, line, "include: %s", sub);
	return 0;
}

/* A "{" on the directive's line, then the block's body. */
static int
conf_block(struct conf_parser *p, int scope)
{
	int	t;

	if ((t = conf_next(p)) == CONF_T_ERR)
		return -1;
	if (t != CONF_T_LBRACE)
		return conf_err(p, p->tok.line, "expected '{' after '%s'",
		    p->directive);
	return conf_body(p, scope, p->tok.line);
}

/* server = "server" name block */
static int
conf_set_server(struct conf_parser *p)
{
	struct conf		*c = p->conf;
	struct conf_host	*h;
	int			 i, r;

	if (c->nhosts >= CONF_HOSTS_MAX)
		return conf_err(p, p->tok.line, "too many servers (max %d)",
		    CONF_HOSTS_MAX);
	/* Up to the locations: they are cleared one by one as added. */
	h = &c->hosts[c->nhosts];
	memset(h, 0, offsetof(struct conf_host, locations));
	h->nlocations = 0;
	h->rootfd = -1;
	if (conf_arg_name(p, h->name, 1) == -1)
		return -1;
	for (i = 0; i < c->nhosts; i++)
		if (strcasecmp(c->hosts[i].name, h->name) == 0)
			return conf_err(p, p->tok.line,
			    "duplicate server '%s'", h->name);
	c->nhosts++;
	p->host = h;
	r = conf_block(p, CONF_S_SERVER);
	p->host = NULL;
	return r;
}

/* alias = "alias" name */
static int
conf_set_alias(struct conf_parser *p)
{
	struct conf_host	*h = p->host;

	if (h->naliases >= CONF_ALIASES_MAX)
		return conf_err(p, p->tok.line, "too many aliases (max %d)",
		    CONF_ALIASES_MAX);
	if (conf_arg_name(p, h->aliases[h->naliases], 1) == -1)
		return -1;
	h->naliases++;
	return conf_end(p);
}

/* root = "root" path */
static int
conf_set_root(struct conf_parser *p)
{
	return conf_str_line(p, p->host->root, sizeof(p->host->root), 0);
}

/* cert = "cert" path */
static int
conf_set_cert(struct conf_parser *p)
{
	return conf_str_line(p, p->host->cert, sizeof(p->host->cert), 0);
}

/* key = "key" path */
static int
conf_set_key(struct conf_parser *p)
{
	return conf_str_line(p, p->host->key, sizeof(p->host->key), 0);
}

/* lang = "lang" lang; in a location, "" = the server's */
static int
conf_set_lang(struct conf_parser *p)
{
	char	*dst = p->loc ? p->loc->lang : p->host->lang;

	/* Both lang fields have the same size. */
	if (conf_arg_str(p, dst, sizeof(p->host->lang), 1) == -1)
		return -1;
	if (!conf_lang_valid(dst))
		return conf_err(p, p->tok.line, "invalid lang '%.*s'",
		    conf_quotelen(dst), dst);
	return conf_end(p);
}

/* auto-index = "auto-index" flag */
static int
conf_set_auto_index(struct conf_parser *p)
{
	int	*dst = p->loc ? &p->loc->auto_index : &p->host->auto_index;

	if (conf_arg_flag(p, dst) == -1)
		return -1;
	return conf_end(p);
}

/* gemlog = "gemlog" path; path = "/" *char */
static int
conf_set_gemlog(struct conf_parser *p)
{
	struct conf_host	*h = p->host;
	char			*dst;

	if (h->ngemlogs >= CONF_GEMLOGS_MAX)
		return conf_err(p, p->tok.line, "too many gemlogs (max %d)",
		    CONF_GEMLOGS_MAX);
	dst = h->gemlogs[h->ngemlogs];
	if (conf_arg_str(p, dst, CONF_PATH_MAX, 0) == -1)
		return -1;
	if (dst[0] != '/')
		return conf_err(p, p->tok.line, "gemlog must start with '/'");
	h->ngemlogs++;
	return conf_end(p);
}

/* location = "location" pattern block; pattern = ( "/" / "*" ) *char */
static int
conf_set_location(struct conf_parser *p)
{
	struct conf_host	*h = p->host;
	struct conf_location	*l;
	int			 r, line = p->tok.line;

	if (h->nlocations >= CONF_LOCATIONS_MAX)
		return conf_err(p, p->tok.line, "too many locations (max %d)",
		    CONF_LOCATIONS_MAX);
	l = &h->locations[h->nlocations];
	memset(l, 0, sizeof(*l));
	l->auto_index = CONF_UNSET;
	/* Checks that need the file system come after parsing (runner.c):
	 * they name the block by this.  A long file name is cut. */
	(void)snprintf(l->where, sizeof(l->where), "%s:%d", p->name, line);
	l->titan.max_size = CONF_TITAN_MAX_SIZE;
	l->titan.dirfd = -1;
	if (conf_arg_str(p, l->pattern, sizeof(l->pattern), 0) == -1)
		return -1;
	if (l->pattern[0] != '/' && l->pattern[0] != '*')
		return conf_err(p, p->tok.line,
		    "location must start with '/' or '*'");
	h->nlocations++;
	p->loc = l;
	r = conf_block(p, CONF_S_LOC);
	if (r == 0)
		r = conf_location_done(p, line);
	p->loc = NULL;
	/* Uploads are never open to the world by accident. */
	if (r == 0 && l->titan.on && l->titan.nfingerprints == 0 &&
	    l->titan.ntokens == 0)
		return conf_err(p, l->titan.line, "titan on needs "
		    "titan-fingerprint or titan-token: uploads would be open "
		    "to anyone");
	return r;
}

/* default-type = "default-type" type */
static int
conf_set_default_type(struct conf_parser *p)
{
	char	*dst = p->loc->default_type;

	if (conf_arg_str(p, dst, sizeof(p->loc->default_type), 0) == -1)
		return -1;
	if (!conf_type_valid(dst))
		return conf_err(p, p->tok.line, "invalid MIME type '%.*s'",
		    conf_quotelen(dst), dst);
	return conf_end(p);
}

/* mime = "mime" extension type; extension = [ "." ] 1*( not "/" "." ) */
static int
conf_set_mime(struct conf_parser *p)
{
	struct conf_location	*l = p->loc;
	struct conf_mime	*m;
	const char		*ext;

	if (l->nmime >= CONF_MIME_MAX)
		return conf_err(p, p->tok.line, "too many mime (max %d)",
		    CONF_MIME_MAX);
	m = &l->mime[l->nmime];
	if (conf_arg(p) == -1)
		return -1;
	ext = p->tok.val[0] == '.' ? p->tok.val + 1 : p->tok.val;
	if (*ext == '\0' || strchr(ext, '/') != NULL ||
	    strchr(ext, '.') != NULL)
		return conf_err(p, p->tok.line, "invalid extension '%.*s'",
		    conf_quotelen(p->tok.val), p->tok.val);
	if (strlen(ext) >= sizeof(m->ext))
		return conf_err(p, p->tok.line, "string too long for "
		    "extension (max %zu bytes)", sizeof(m->ext) - 1);
	memcpy(m->ext, ext, strlen(ext) + 1);
	if (conf_arg_str(p, m->type, sizeof(m->type), 0) == -1)
		return -1;
	if (!conf_type_valid(m->type))
		return conf_err(p, p->tok.line, "invalid MIME type '%.*s'",
		    conf_quotelen(m->type), m->type);
	l->nmime++;
	return conf_end(p);
}

/*
 * meta = word / string: optional, except that input (1x) needs a prompt
 * and redirects (3x) a target.
 */
static int
conf_block_meta(struct conf_parser *p, int status)
{
	struct conf_location	*l = p->loc;
	int			 line = p->tok.line, t;

	if ((t = conf_peek(p)) == CONF_T_ERR)
		return -1;
	l->block_meta[0] = '\0';
	if ((t == CONF_T_WORD || t == CONF_T_STRING) &&
	    conf_arg_str(p, l->block_meta, sizeof(l->block_meta), 1) == -1)
		return -1;
	if (l->block_meta[0] == '\0' && status / 10 == 1)
		return conf_err(p, line, "status %d needs a prompt", status);
	if (l->block_meta[0] == '\0' && status / 10 == 3)
		return conf_err(p, line, "status %d needs a target", status);
	l->block_status = status;
	return conf_end(p);
}

/*
 * block = "block" [ "return" status [ meta ] ]; status = 10-19 / 30-69
 * A bare "block" answers 40.  2x would serve an empty success.
 */
static int
conf_set_block(struct conf_parser *p)
{
	int	status;

	if (conf_peek(p) == CONF_T_ERR)
		return -1;
	if (p->tok.type != CONF_T_WORD || strcmp(p->tok.val, "return") != 0) {
		p->loc->block_status = 40;
		p->loc->block_meta[0] = '\0';
		return conf_end(p);
	}
	p->peeked = 0;
	if (conf_arg_num(p, "block return status", &status, 10, 69) == -1)
		return -1;
	if (status / 10 == 2)
		return conf_err(p, p->tok.line,
		    "block return status must not be 2x");
	return conf_block_meta(p, status);
}

/* redirect = "redirect" ( "30" / "31" ) target; as "block return 3x" */
static int
conf_set_redirect(struct conf_parser *p)
{
	int	status;

	if (conf_arg_num(p, "redirect status", &status, 30, 31) == -1)
		return -1;
	return conf_block_meta(p, status);
}

/*
 * Dynamic content.  A location has at most one source (cgi, scgi,
 * fastcgi, proxy); the settings that go with one (fastcgi-param,
 * proxy-sni, proxy-fingerprint) are checked when its block ends, so
 * that their order in the block does not matter.
 */

static const char *const conf_dyn_names[] = {
	"", "cgi", "scgi", "fastcgi", "proxy"
};

/* Make the location dynamic of kind; a second kind is an error. */
static int
conf_dyn_kind(struct conf_parser *p, int kind)
{
	struct conf_location	*l = p->loc;

	if (l->dynamic != CONF_DYN_NONE && l->dynamic != kind)
		return conf_err(p, p->tok.line, "%s: this location already "
		    "has '%s'", p->directive, conf_dyn_names[l->dynamic]);
	l->dynamic = kind;
	return 0;
}

/* cgi = "cgi" flag */
static int
conf_set_cgi(struct conf_parser *p)
{
	int	on;

	if (conf_arg_flag(p, &on) == -1)
		return -1;
	if (!on) {
		if (p->loc->dynamic == CONF_DYN_CGI)
			p->loc->dynamic = CONF_DYN_NONE;
		return conf_end(p);
	}
	if (conf_dyn_kind(p, CONF_DYN_CGI) == -1)
		return -1;
	return conf_end(p);
}

/* target = socket path or address:port (target.h); kind's backend. */
static int
conf_dyn_target(struct conf_parser *p, int kind)
{
	struct conf_location	*l = p->loc;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;

	if (conf_dyn_kind(p, kind) == -1 ||
	    conf_arg_str(p, l->backend, sizeof(l->backend), 0) == -1)
		return -1;
	if (target_parse(l->backend, kind != CONF_DYN_PROXY, &ss, &len,
	    &errstr) == -1)
		return conf_err(p, p->tok.line, "%s: %s: '%.*s'", p->directive,
		    errstr, conf_quotelen(l->backend), l->backend);
	return conf_end(p);
}

/* scgi = "scgi" target */
static int
conf_set_scgi(struct conf_parser *p)
{
	return conf_dyn_target(p, CONF_DYN_SCGI);
}

/* fastcgi = "fastcgi" target */
static int
conf_set_fastcgi(struct conf_parser *p)
{
	return conf_dyn_target(p, CONF_DYN_FASTCGI);
}

/* proxy = "proxy" address ":" port */
static int
conf_set_proxy(struct conf_parser *p)
{
	return conf_dyn_target(p, CONF_DYN_PROXY);
}

/* param-name = 1*( ALPHA / DIGIT / "_" ) */
static int
conf_param_name_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s != '_' && !conf_ascii_alnum(*s))
			return 0;
	return 1;
}

/* fastcgi-param = "fastcgi-param" param-name value */
static int
conf_set_fastcgi_param(struct conf_parser *p)
{
	struct conf_location	*l = p->loc;
	struct conf_param	*v;

	if (l->nparams >= CONF_PARAMS_MAX)
		return conf_err(p, p->tok.line, "too many fastcgi-param "
		    "(max %d)", CONF_PARAMS_MAX);
	v = reallocarray(l->params, (size_t)l->nparams + 1, sizeof(*v));
	if (v == NULL)
		return conf_err(p, p->tok.line, "out of memory");
	l->params = v;
	v = &l->params[l->nparams];
	if (conf_arg_str(p, v->name, sizeof(v->name), 0) == -1)
		return -1;
	if (!conf_param_name_valid(v->name))
		return conf_err(p, p->tok.line, "fastcgi-param: invalid name "
		    "'%.*s' (letters, digits, '_')", conf_quotelen(v->name),
		    v->name);
	if (conf_arg_str(p, v->value, sizeof(v->value), 1) == -1)
		return -1;
	l->nparams++;
	return conf_end(p);
}

/* proxy-sni = "proxy-sni" name */
static int
conf_set_proxy_sni(struct conf_parser *p)
{
	if (conf_arg_name(p, p->loc->proxy_sni, 0) == -1)
		return -1;
	return conf_end(p);
}

/* proxy-fingerprint = "proxy-fingerprint" fingerprint */
static int
conf_set_proxy_fpr(struct conf_parser *p)
{
	if (conf_arg(p) == -1)
		return -1;
	if (conf_fingerprint(p->tok.val, p->loc->proxy_fpr) == -1)
		return conf_err(p, p->tok.line, "fingerprint must be 64 hex "
		    "digits (SHA-256)");
	return conf_end(p);
}

/* The block that began on line has ended: its settings agree. */
static int
conf_location_done(struct conf_parser *p, int line)
{
	struct conf_location	*l = p->loc;

	if (l->nparams > 0 && l->dynamic != CONF_DYN_FASTCGI)
		return conf_err(p, line, "fastcgi-param without fastcgi");
	if ((l->proxy_sni[0] != '\0' || l->proxy_fpr[0] != '\0') &&
	    l->dynamic != CONF_DYN_PROXY)
		return conf_err(p, line, "proxy-sni or proxy-fingerprint "
		    "without proxy");
	if (l->dynamic != CONF_DYN_NONE && l->block_status != 0)
		return conf_err(p, line, "a location with '%s' cannot also "
		    "block or redirect", conf_dyn_names[l->dynamic]);
	if (l->dynamic != CONF_DYN_NONE && l->titan.on)
		return conf_err(p, line, "a location with '%s' cannot also "
		    "take uploads (titan)", conf_dyn_names[l->dynamic]);
	return 0;
}

/* require-client-cert = "require-client-cert" */
static int
conf_set_require_cert(struct conf_parser *p)
{
	p->loc->require_cert = 1;
	return conf_end(p);
}

static int
conf_hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* fingerprint = 64HEXDIG, ":" allowed anywhere; out is lower-case. */
static int
conf_fingerprint(const char *s, char out[65])
{
	size_t	n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (!conf_hexdigit(*s) || n == 64)
			return -1;
		out[n++] = (*s >= 'A' && *s <= 'F') ? *s - 'A' + 'a' : *s;
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

/*
 * The list of *n elements of size bytes with the one at elem appended
 * (at most max of them; what names them in messages): the new list,
 * or NULL with the error in errbuf and list left as it was.
 */
static void *
conf_list_add(struct conf_parser *p, void *list, int *n, size_t size,
    const void *elem, int max, const char *what)
{
	char	*v;

	if (*n >= max) {
		conf_err(p, p->tok.line, "too many %s (max %d)", what, max);
		return NULL;
	}
	if ((v = reallocarray(list, (size_t)*n + 1, size)) == NULL) {
		conf_err(p, p->tok.line, "out of memory");
		return NULL;
	}
	memcpy(v + (size_t)*n * size, elem, size);
	(*n)++;
	return v;
}

/* One fingerprint argument onto the list *list of *n. */
static int
conf_fingerprint_add(struct conf_parser *p, char (**list)[65], int *n)
{
	char	fpr[65], (*v)[65];

	if (conf_arg(p) == -1)
		return -1;
	if (conf_fingerprint(p->tok.val, fpr) == -1)
		return conf_err(p, p->tok.line, "fingerprint must be 64 hex "
		    "digits (SHA-256)");
	if ((v = conf_list_add(p, *list, n, sizeof(fpr), fpr, CONF_FPR_MAX,
	    "fingerprints")) == NULL)
		return -1;
	*list = v;
	return conf_end(p);
}

/* allow-fingerprint = "allow-fingerprint" fingerprint */
static int
conf_set_fingerprint(struct conf_parser *p)
{
	return conf_fingerprint_add(p, &p->loc->fingerprints,
	    &p->loc->nfingerprints);
}

/* titan = "titan" flag */
static int
conf_set_titan(struct conf_parser *p)
{
	p->loc->titan.line = p->tok.line;
	if (conf_arg_flag(p, &p->loc->titan.on) == -1)
		return -1;
	return conf_end(p);
}

/* titan-fingerprint = "titan-fingerprint" fingerprint */
static int
conf_set_titan_fingerprint(struct conf_parser *p)
{
	return conf_fingerprint_add(p, &p->loc->titan.fingerprints,
	    &p->loc->titan.nfingerprints);
}

/*
 * titan-token = "titan-token" string (1-255 bytes, no control byte)
 * Compared with the token= parameter after its percent-decoding.
 */
static int
conf_set_titan_token(struct conf_parser *p)
{
	struct conf_titan	*t = &p->loc->titan;
	char			 tok[CONF_TOKEN_MAX + 1];
	char			 (*v)[CONF_TOKEN_MAX + 1];

	memset(tok, 0, sizeof(tok));
	if (conf_arg_str(p, tok, sizeof(tok), 0) == -1)
		return -1;
	v = conf_list_add(p, t->tokens, &t->ntokens, sizeof(tok), tok,
	    CONF_LIST_MAX, "titan-token lines");
	explicit_bzero(tok, sizeof(tok));
	if (v == NULL)
		return -1;
	t->tokens = v;
	return conf_end(p);
}

/* titan-max-size = "titan-max-size" 0-2147483647 (bytes) */
static int
conf_set_titan_max_size(struct conf_parser *p)
{
	int	v;

	if (conf_num_line(p, &v, 0, INT_MAX) == -1)
		return -1;
	p->loc->titan.max_size = v;
	return 0;
}

/* titan-mime = "titan-mime" 1*type; type = token "/" ( token / "*" ) */
static int
conf_set_titan_mime(struct conf_parser *p)
{
	struct conf_titan	*t = &p->loc->titan;
	char			 type[CONF_TYPE_MAX], (*v)[CONF_TYPE_MAX];
	int			 n = 0;

	while (n == 0 || conf_peek(p) == CONF_T_WORD ||
	    p->tok.type == CONF_T_STRING) {
		memset(type, 0, sizeof(type));
		if (conf_arg_str(p, type, sizeof(type), 0) == -1)
			return -1;
		if (!conf_type_valid(type) || strchr(type, ';') != NULL)
			return conf_err(p, p->tok.line, "invalid MIME type "
			    "'%.*s'", conf_quotelen(type), type);
		if ((v = conf_list_add(p, t->mimes, &t->nmimes, sizeof(type),
		    type, CONF_LIST_MAX, "titan-mime types")) == NULL)
			return -1;
		t->mimes = v;
		n++;
	}
	return conf_end(p);
}

/* titan-delete = "titan-delete" flag */
static int
conf_set_titan_delete(struct conf_parser *p)
{
	if (conf_arg_flag(p, &p->loc->titan.delete) == -1)
		return -1;
	return conf_end(p);
}

/* feed-entries = "feed-entries" 0-1000000; 0 = every post */
static int
conf_set_feed_entries(struct conf_parser *p)
{
	return conf_num_line(p, &p->conf->feed_entries, 0, 1000000);
}

static const struct conf_directive conf_directives[] = {
	{ "listen",		CONF_S_TOP,	conf_set_listen },
	{ "port",		CONF_S_TOP,	conf_set_port },
	{ "public-port",	CONF_S_TOP,	conf_set_public_port },
	{ "gopher",		CONF_S_TOP,	conf_set_gopher },
	{ "gopher-public-port",	CONF_S_TOP,	conf_set_gopher_public_port },
	{ "gopher-host",	CONF_S_TOP,	conf_set_gopher_host },
	{ "workers",		CONF_S_TOP,	conf_set_workers },
	{ "user",		CONF_S_TOP,	conf_set_user },
	{ "chroot",		CONF_S_TOP,	conf_set_chroot },
	{ "timeout",		CONF_S_TOP,	conf_set_timeout },
	{ "write-timeout",	CONF_S_TOP,	conf_set_write_timeout },
	{ "gopher-cache",	CONF_S_TOP,	conf_set_gopher_cache },
	{ "cgi-timeout",	CONF_S_TOP,	conf_set_cgi_timeout },
	{ "max-programs",	CONF_S_TOP,	conf_set_max_programs },
	{ "max-programs-per-worker", CONF_S_TOP, conf_set_max_programs_worker },
	{ "max-connections",	CONF_S_TOP,	conf_set_max_conns },
	{ "max-connections-per-ip", CONF_S_TOP,	conf_set_max_conns_per_ip },
	{ "tls-tickets",	CONF_S_TOP,	conf_set_tls_tickets },
	{ "log",		CONF_S_TOP,	conf_set_log },
	{ "log-format",		CONF_S_TOP,	conf_set_log_format },
	{ "log-address",	CONF_S_TOP,	conf_set_log_address },
	{ "rate-limit",		CONF_S_TOP,	conf_set_rate_limit },
	{ "proxy-protocol",	CONF_S_TOP,	conf_set_proxy_protocol },
	{ "proxy-from",		CONF_S_TOP,	conf_set_proxy_from },
	{ "include",		CONF_S_TOP,	conf_set_include },
	{ "server",		CONF_S_TOP,	conf_set_server },
	{ "alias",		CONF_S_SERVER,	conf_set_alias },
	{ "root",		CONF_S_SERVER,	conf_set_root },
	{ "cert",		CONF_S_SERVER,	conf_set_cert },
	{ "key",		CONF_S_SERVER,	conf_set_key },
	{ "lang",		CONF_S_SERVER | CONF_S_LOC, conf_set_lang },
	{ "auto-index",		CONF_S_SERVER | CONF_S_LOC,
	    conf_set_auto_index },
	{ "gemlog",		CONF_S_SERVER,	conf_set_gemlog },
	{ "location",		CONF_S_SERVER,	conf_set_location },
	{ "default-type",	CONF_S_LOC,	conf_set_default_type },
	{ "mime",		CONF_S_LOC,	conf_set_mime },
	{ "cgi",		CONF_S_LOC,	conf_set_cgi },
	{ "scgi",		CONF_S_LOC,	conf_set_scgi },
	{ "fastcgi",		CONF_S_LOC,	conf_set_fastcgi },
	{ "fastcgi-param",	CONF_S_LOC,	conf_set_fastcgi_param },
	{ "proxy",		CONF_S_LOC,	conf_set_proxy },
	{ "proxy-sni",		CONF_S_LOC,	conf_set_proxy_sni },
	{ "proxy-fingerprint",	CONF_S_LOC,	conf_set_proxy_fpr },
	{ "block",		CONF_S_LOC,	conf_set_block },
	{ "redirect",		CONF_S_LOC,	conf_set_redirect },
	{ "require-client-cert", CONF_S_LOC,	conf_set_require_cert },
	{ "allow-fingerprint",	CONF_S_LOC,	conf_set_fingerprint },
	{ "titan",		CONF_S_LOC,	conf_set_titan },
	{ "titan-fingerprint",	CONF_S_LOC,	conf_set_titan_fingerprint },
	{ "titan-token",	CONF_S_LOC,	conf_set_titan_token },
	{ "titan-max-size",	CONF_S_LOC,	conf_set_titan_max_size },
	{ "titan-mime",		CONF_S_LOC,	conf_set_titan_mime },
	{ "titan-delete",	CONF_S_LOC,	conf_set_titan_delete },
	{ "feed-entries",	CONF_S_TOP,	conf_set_feed_entries },
};

/* Why directive d may not appear in scope. */
static int
conf_scope_err(struct conf_parser *p, const struct conf_directive *d,
    int scope)
{
	const char	*why;

	if (d->scope == CONF_S_TOP)
		why = "is only allowed outside blocks";
	else if (scope == CONF_S_TOP && (d->scope & CONF_S_SERVER))
		why = "outside a server block";
	else if (d->scope == CONF_S_LOC)
		why = "outside a location block";
	else
		why = "not allowed in a location block";
	return conf_err(p, p->tok.line, "%s %s", d->name, why);
}

/* directive = word *arg [ block ]: the word is in p->tok. */
static int
conf_directive(struct conf_parser *p, int scope)
{
	const struct conf_directive	*d;
	size_t				 i;

	for (i = 0; i < sizeof(conf_directives) / sizeof(*d); i++) {
		d = &conf_directives[i];
		if (strcmp(d->name, p->tok.val) != 0)
			continue;
		if ((d->scope & scope) == 0)
			return conf_scope_err(p, d, scope);
		p->directive = d->name;
		return d->parse(p);
	}
	return conf_err(p, p->tok.line, "unknown directive '%.*s'",
	    conf_quotelen(p->tok.val), p->tok.val);
}

/*
 * body = *( [ directive ] eol ) ( "}" / end of input )
 * The whole file is a body in scope CONF_S_TOP, ended by the input's
 * end; a block's body is ended by "}" (open is the line of its "{").
 */
static int
conf_body(struct conf_parser *p, int scope, int open)
{
	for (;;) {
		switch (conf_next(p)) {
		case CONF_T_ERR:
			return -1;
		case CONF_T_EOF:
			if (scope == CONF_S_TOP)
				return 0;
			return conf_err(p, open, "missing '}'");
		case CONF_T_EOL:
			break;
		case CONF_T_RBRACE:
			if (scope == CONF_S_TOP)
				return conf_err(p, p->tok.line,
				    "unexpected '}'");
			p->directive = "}";
			return conf_end(p);
		case CONF_T_WORD:
			if (conf_directive(p, scope) == -1)
				return -1;
			break;
		default:
			return conf_err(p, p->tok.line, "expected a directive");
		}
	}
}

void
conf_init(struct conf *conf)
{
	/*
	 * Only up to the hosts: the hosts array is megabytes, and a host is
	 * cleared when a server block adds it.
	 */
	memset(conf, 0, offsetof(struct conf, hosts));
	conf->nhosts = 0;
	conf->port = CONF_DEFAULT_PORT;
	conf->timeout = CONF_DEFAULT_TIMEOUT;
	conf->write_timeout = CONF_DEFAULT_WTIMEOUT;
	conf->gopher_cache = CONF_DEFAULT_GOPHER_CACHE;
	conf->cgi_timeout = CONF_DEFAULT_CGI_TIMEOUT;
	conf->max_programs = CONF_DEFAULT_PROGRAMS;
	conf->max_conns_per_ip = CONF_DEFAULT_PERIP;
	conf->tls_tickets = 0;
	conf->burst = 1;
	conf->feed_entries = CONF_DEFAULT_FEED;
}

static int
conf_parse_depth(const char *buf, size_t len, const char *name,
    struct conf *conf, char *errbuf, size_t errbufsize, int depth)
{
	struct conf_parser	p;

	memset(&p, 0, sizeof(p));
	p.buf = buf;
	p.len = len;
	p.name = name != NULL ? name : "(config)";
	p.line = 1;
	p.depth = depth;
	p.conf = conf;
	p.errbuf = errbuf;
	p.errbufsize = errbufsize;
	return conf_body(&p, CONF_S_TOP, 0);
}

int
conf_parse(const char *buf, size_t len, const char *name, struct conf *conf,
    char *errbuf, size_t errbufsize)
{
	return conf_parse_depth(buf, len, name, conf, errbuf, errbufsize, 0);
}

/* Read up to CONF_FILE_MAX + 1 bytes of fd into buf. */
static ssize_t
conf_read(int fd, char *buf)
{
	size_t	len = 0;
	ssize_t	n;

	while (len < CONF_FILE_MAX + 1) {
		n = read(fd, buf + len, CONF_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* Open path as a regular file; -1 with the reason in errbuf. */
static int
conf_open(const char *path, char *errbuf, size_t errbufsize)
{
	struct stat	st;
	int		fd;

	/* O_NONBLOCK: a FIFO named by mistake must not hang start-up. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return conf_errf(errbuf, errbufsize, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		conf_errf(errbuf, errbufsize, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_errf(errbuf, errbufsize, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
conf_load_depth(const char *path, struct conf *conf, char *errbuf,
    size_t errbufsize, int depth)
{
	char	*buf;
	ssize_t	 len;
	int	 fd, r = -1;

	if ((fd = conf_open(path, errbuf, errbufsize)) == -1)
		return -1;
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		conf_errf(errbuf, errbufsize, "%s: %s", path, strerror(errno));
		goto done;
	}
	if ((len = conf_read(fd, buf)) == -1)
		conf_errf(errbuf, errbufsize, "%s: %s", path, strerror(errno));
	else if (len > CONF_FILE_MAX)
		conf_errf(errbuf, errbufsize, "%s: file too large (max %d "
		    "bytes)", path, CONF_FILE_MAX);
	else
		r = conf_parse_depth(buf, (size_t)len, path, conf, errbuf,
		    errbufsize, depth);
 done:
	free(buf);
	close(fd);
	return r;
}

int
conf_load(const char *path, struct conf *conf, char *errbuf,
    size_t errbufsize)
{
	return conf_load_depth(path, conf, errbuf, errbufsize, 0);
}

/* The host a config without server blocks serves. */
static void
conf_default_host(struct conf *conf)
{
	struct conf_host	*h = &conf->hosts[0];

	memset(h, 0, offsetof(struct conf_host, locations));
	h->nlocations = 0;
	memcpy(h->name, CONF_DEFAULT_HOST, sizeof(CONF_DEFAULT_HOST));
	memcpy(h->root, CONF_DEFAULT_ROOT, sizeof(CONF_DEFAULT_ROOT));
	conf->nhosts = 1;
}

/* dst = CONF_DEFAULT_CERTDIR "/" name suffix; 0, or -1 when too long. */
static int
conf_default_path(char *dst, size_t size, const char *name,
    const char *suffix)
{
	char	path[CONF_PATH_MAX];
	int	n;

	/* Through a local buffer: gcc's -Wrestrict cannot tell that name
	 * and dst, both inside one struct conf_host, do not overlap. */
	n = snprintf(path, sizeof(path), "%s/%s%s", CONF_DEFAULT_CERTDIR,
	    name, suffix);
	if (n < 0 || (size_t)n >= sizeof(path) || (size_t)n >= size)
		return -1;
	memcpy(dst, path, (size_t)n + 1);
	return 0;
}

/* Certificate and key default to certs/<name>.pem and .key. */
static int
conf_finish_host(struct conf_host *h, char *errbuf, size_t errbufsize)
{
	h->rootfd = -1;
	if (h->root[0] == '\0')
		return conf_errf(errbuf, errbufsize, "server '%s': no root",
		    h->name);
	if (h->cert[0] == '\0' &&
	    conf_default_path(h->cert, sizeof(h->cert), h->name, ".pem") == -1)
		return conf_errf(errbuf, errbufsize,
		    "server '%s': cert path too long", h->name);
	if (h->key[0] == '\0' &&
	    conf_default_path(h->key, sizeof(h->key), h->name, ".key") == -1)
		return conf_errf(errbuf, errbufsize,
		    "server '%s': key path too long", h->name);
	return 0;
}

int
conf_finish(struct conf *conf, char *errbuf, size_t errbufsize)
{
	const char	*first;
	int		 i;

	if (conf->nhosts == 0)
		conf_default_host(conf);
	for (i = 0; i < conf->nhosts; i++)
		if (conf_finish_host(&conf->hosts[i], errbuf, errbufsize) == -1)
			return -1;
	if (conf->public_port == 0)
		conf->public_port = conf->port;
	if (conf->gopher_public_port == 0)
		conf->gopher_public_port = conf->gopher_port;
	/* A header from anyone would let anyone claim any address. */
	if ((conf->proxy_gemini || conf->proxy_gopher) &&
	    conf->nproxy_from == 0)
		return conf_errf(errbuf, errbufsize, "proxy-protocol needs "
		    "proxy-from: the load balancers' addresses");
	if (conf->gopher_port != 0 && conf->gopher_port == conf->port)
		return conf_errf(errbuf, errbufsize,
		    "gopher port %d is also the Gemini port", conf->port);
	first = conf->hosts[0].name;
	if (conf->gopher_host[0] == '\0' && conf->gopher_port != 0 &&
	    first[0] == '*')
		return conf_errf(errbuf, errbufsize, "gopher-host needed: "
		    "the first server name '%s' is a wildcard", first);
	if (conf->gopher_host[0] == '\0')
		memcpy(conf->gopher_host, first, strlen(first) + 1);
	return 0;
}

/* string = DQUOTE *( "\" DQUOTE / "\\" / char ) DQUOTE */
static void
conf_print_str(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

/* indent key "value" LF */
static void
conf_print_kv(FILE *fp, const char *indent, const char *key, const char *s)
{
	fprintf(fp, "%s%s ", indent, key);
	conf_print_str(fp, s);
	putc('\n', fp);
}

static void
conf_print_dynamic(const struct conf_location *l, FILE *fp)
{
	int	i;

	if (l->dynamic == CONF_DYN_CGI)
		fprintf(fp, "\t\tcgi on\n");
	else if (l->dynamic != CONF_DYN_NONE)
		conf_print_kv(fp, "\t\t", conf_dyn_names[l->dynamic],
		    l->backend);
	for (i = 0; i < l->nparams; i++) {
		fprintf(fp, "\t\tfastcgi-param ");
		conf_print_str(fp, l->params[i].name);
		putc(' ', fp);
		conf_print_str(fp, l->params[i].value);
		putc('\n', fp);
	}
	if (l->proxy_sni[0] != '\0')
		conf_print_kv(fp, "\t\t", "proxy-sni", l->proxy_sni);
	if (l->proxy_fpr[0] != '\0')
		conf_print_kv(fp, "\t\t", "proxy-fingerprint", l->proxy_fpr);
}

/* A location's upload settings, when uploads are on. */
static void
conf_print_titan(const struct conf_titan *t, FILE *fp)
{
	int	i;

	fprintf(fp, "\t\ttitan on\n");
	for (i = 0; i < t->nfingerprints; i++)
		conf_print_kv(fp, "\t\t", "titan-fingerprint",
		    t->fingerprints[i]);
	for (i = 0; i < t->ntokens; i++)
		conf_print_kv(fp, "\t\t", "titan-token", t->tokens[i]);
	fprintf(fp, "\t\ttitan-max-size %lld\n", t->max_size);
	if (t->nmimes > 0) {
		fprintf(fp, "\t\ttitan-mime");
		for (i = 0; i < t->nmimes; i++) {
			putc(' ', fp);
			conf_print_str(fp, t->mimes[i]);
		}
		putc('\n', fp);
	}
	fprintf(fp, "\t\ttitan-delete %s\n", t->delete ? "on" : "off");
}

/* Only what the location sets: the rest is the server's. */
static void
conf_print_location(const struct conf_location *l, FILE *fp)
{
	int	i;

	fprintf(fp, "\tlocation ");
	conf_print_str(fp, l->pattern);
	fprintf(fp, " {\n");
	if (l->auto_index != CONF_UNSET)
		fprintf(fp, "\t\tauto-index %s\n",
		    l->auto_index ? "on" : "off");
	if (l->lang[0] != '\0')
		conf_print_kv(fp, "\t\t", "lang", l->lang);
	if (l->default_type[0] != '\0')
		conf_print_kv(fp, "\t\t", "default-type", l->default_type);
	for (i = 0; i < l->nmime; i++) {
		fprintf(fp, "\t\tmime ");
		conf_print_str(fp, l->mime[i].ext);
		putc(' ', fp);
		conf_print_str(fp, l->mime[i].type);
		putc('\n', fp);
	}
	if (l->block_status != 0) {
		fprintf(fp, "\t\tblock return %d", l->block_status);
		if (l->block_meta[0] != '\0') {
			putc(' ', fp);
			conf_print_str(fp, l->block_meta);
		}
		putc('\n', fp);
	}
	conf_print_dynamic(l, fp);
	if (l->require_cert)
		fprintf(fp, "\t\trequire-client-cert\n");
	for (i = 0; i < l->nfingerprints; i++)
		conf_print_kv(fp, "\t\t", "allow-fingerprint",
		    l->fingerprints[i]);
	if (l->titan.on)
		conf_print_titan(&l->titan, fp);
	fprintf(fp, "\t}\n");
}

static void
conf_print_host(const struct conf_host *h, FILE *fp)
{
	int	i;

	fprintf(fp, "\nserver ");
	conf_print_str(fp, h->name);
	fprintf(fp, " {\n");
	for (i = 0; i < h->naliases; i++)
		conf_print_kv(fp, "\t", "alias", h->aliases[i]);
	if (h->root[0] != '\0')
		conf_print_kv(fp, "\t", "root", h->root);
	if (h->cert[0] != '\0')
		conf_print_kv(fp, "\t", "cert", h->cert);
	if (h->key[0] != '\0')
		conf_print_kv(fp, "\t", "key", h->key);
	conf_print_kv(fp, "\t", "lang", h->lang);
	fprintf(fp, "\tauto-index %s\n", h->auto_index ? "on" : "off");
	for (i = 0; i < h->ngemlogs; i++)
		conf_print_kv(fp, "\t", "gemlog", h->gemlogs[i]);
	for (i = 0; i < h->nlocations; i++)
		conf_print_location(&h->locations[i], fp);
	fprintf(fp, "}\n");
}

void
conf_print(const struct conf *conf, FILE *fp)
{
	int	i;

	conf_print_kv(fp, "", "listen", conf->listen);
	fprintf(fp, "port %d\n", conf->port);
	fprintf(fp, "public-port %d\n", conf->public_port);
	fprintf(fp, "gopher %d\n", conf->gopher_port);
	fprintf(fp, "gopher-public-port %d\n", conf->gopher_public_port);
	conf_print_kv(fp, "", "gopher-host", conf->gopher_host);
	fprintf(fp, "gopher-cache %d\n", conf->gopher_cache);
	fprintf(fp, "cgi-timeout %d\n", conf->cgi_timeout);
	fprintf(fp, "max-programs %d\n", conf->max_programs);
	fprintf(fp, "max-programs-per-worker %d\n", conf->max_programs_worker);
	fprintf(fp, "workers %d\n", conf->workers);
	conf_print_kv(fp, "", "user", conf->user);
	conf_print_kv(fp, "", "chroot", conf->chroot);
	fprintf(fp, "timeout %d\n", conf->timeout);
	fprintf(fp, "write-timeout %d\n", conf->write_timeout);
	fprintf(fp, "max-connections %d\n", conf->max_conns);
	fprintf(fp, "max-connections-per-ip %d\n", conf->max_conns_per_ip);
	fprintf(fp, "tls-tickets %d\n", conf->tls_tickets);
	conf_print_kv(fp, "", "log", conf->logfile);
	fprintf(fp, "log-format %s\n", conf_log_formats[conf->log_format]);
	fprintf(fp, "log-address %s\n",
	    conf_log_addresses[conf->log_address]);
	fprintf(fp, "rate-limit %d %d\n", conf->rate,
	    conf->burst > 0 ? conf->burst : 1);
	fprintf(fp, "feed-entries %d\n", conf->feed_entries);
	fprintf(fp, "proxy-protocol%s%s%s\n", conf->proxy_gemini ?
	    " gemini" : "", conf->proxy_gopher ? " gopher" : "",
	    conf->proxy_gemini || conf->proxy_gopher ? "" : " off");
	for (i = 0; i < conf->nproxy_from; i++)
		conf_print_kv(fp, "", "proxy-from", conf->proxy_from[i]);
	for (i = 0; i < conf->nhosts; i++)
		conf_print_host(&conf->hosts[i], fp);
}

static void
conf_free_location(struct conf_location *l)
{
	free(l->fingerprints);
	l->fingerprints = NULL;
	l->nfingerprints = 0;
	free(l->titan.fingerprints);
	if (l->titan.tokens != NULL)	/* secrets */
		explicit_bzero(l->titan.tokens, (size_t)l->titan.ntokens *
		    sizeof(*l->titan.tokens));
	free(l->titan.tokens);
	free(l->titan.mimes);
	l->titan.fingerprints = NULL;
	l->titan.tokens = NULL;
	l->titan.mimes = NULL;
	l->titan.nfingerprints = l->titan.ntokens = l->titan.nmimes = 0;
	free(l->params);
	l->params = NULL;
	l->nparams = 0;
}

void
conf_free(struct conf *conf)
{
	struct conf_host	*h;
	int			 i, j;

	for (i = 0; i < conf->nhosts; i++) {
		h = &conf->hosts[i];
		for (j = 0; j < h->nlocations; j++)
			conf_free_location(&h->locations[j]);
	}
}
