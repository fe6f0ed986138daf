/*
 * cgienv.h: the variables a program or backend is told about a request
 * (RFC 3875 sect. 4.1 plus the Gemini conventions of Molly Brown,
 * Jetforce, gmnisrv and gmid), and their SCGI form.  Pure: built in
 * memory the caller owns; the program runner passes them as a CGI
 * program's environment, an SCGI header or FastCGI params (fcgi.h).
 */
#ifndef CGIENV_H
#define CGIENV_H

#include <stddef.h>

#define CGIENV_MAX	(24 * 1024)	/* bytes of NAME=value strings */
#define CGIENV_VARS_MAX	96
#define CGIENV_PATH	"/usr/local/bin:/usr/bin:/bin"

/* "NAME=value" strings, in order: vars[] is ready for execve(). */
struct cgienv {
	char	 buf[CGIENV_MAX];
	size_t	 len;
	char	*vars[CGIENV_VARS_MAX + 1];	/* NULL-terminated */
	int	 n;
};

/* What is known of a request; every string is non-NULL ("" if none). */
struct cgienv_req {
	const char	*url;		/* the request line, no CRLF */
	const char	*script_name;	/* "/cgi-bin/guestbook" */
	const char	*path_info;	/* "/sign", or "" */
	const char	*path_translated; /* root + path_info (with one) */
	const char	*query;		/* percent-encoded, "" when none */
	const char	*server_name;	/* the URL's host */
	const char	*server_port;
	const char	*remote_addr;
	const char	*tls_version;
	const char	*tls_cipher;
	const char	*cert_hash;	/* 64 hex digits, "" without one */
	const char	*cert_subject;
	const char	*cert_cn;
	const char	*cert_not_before;
	const char	*cert_not_after;
	const char	*cert_serial;
	int		 scgi;		/* CONTENT_LENGTH=0 first, SCGI=1 */
	int		 path;		/* PATH (a program, not a backend) */
};

/*
 * Start env with the variables of req: GATEWAY_INTERFACE, SERVER_*,
 * GEMINI_URL, SCRIPT_NAME, PATH_INFO (and PATH_TRANSLATED when there
 * is path info), QUERY_STRING, REMOTE_ADDR and REMOTE_HOST (the
 * address: no name is looked up), TLS_VERSION, TLS_CIPHER; with a
 * client certificate AUTH_TYPE=CERTIFICATE, TLS_CLIENT_HASH ("SHA256:"
 * and the upper-case hex, as Jetforce writes it), TLS_CLIENT_SUBJECT,
 * REMOTE_USER (the subject's CN), TLS_CLIENT_NOT_BEFORE/NOT_AFTER,
 * TLS_CLIENT_SERIAL_NUMBER.  0, or -1 when they do not fit.
 */
int	cgienv_build(struct cgienv *, const struct cgienv_req *);

/* Set name to value, replacing an earlier value.  0, or -1 when full. */
int	cgienv_set(struct cgienv *, const char *name, const char *value);

/* The value of name, or NULL. */
const char *cgienv_get(const struct cgienv *, const char *name);

/*
 * The SCGI request header (the SCGI spec): a netstring of the
 * variables as NAME NUL value NUL pairs, CONTENT_LENGTH first.  Written
 * to dst[0..size); its length, or 0 when it does not fit.
 */
size_t	cgienv_scgi(const struct cgienv *, char *dst, size_t size);

#endif
