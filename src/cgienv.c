/*
 * cgienv.c: a request's CGI variables (see cgienv.h).
 */
#include <stdio.h>
#include <string.h>

#include "capsuled.h"
#include "cgienv.h"

int
cgienv_set(struct cgienv *env, const char *name, const char *value)
{
	size_t	nlen = strlen(name), vlen = strlen(value);
	char	*p;
	int	 i;

	if (nlen + 1 + vlen + 1 > CGIENV_MAX - env->len)
		return -1;
	p = env->buf + env->len;
	memcpy(p, name, nlen);
	p[nlen] = '=';
	memcpy(p + nlen + 1, value, vlen + 1);
	env->len += nlen + 1 + vlen + 1;
	/* A later value replaces an earlier one in its place: the order
	 * (CONTENT_LENGTH first for SCGI) stays. */
	for (i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], name, nlen) == 0 &&
		    env->vars[i][nlen] == '=') {
			env->vars[i] = p;
			return 0;
		}
	if (env->n >= CGIENV_VARS_MAX)
		return -1;
	env->vars[env->n++] = p;
	env->vars[env->n] = NULL;
	return 0;
}

const char *
cgienv_get(const struct cgienv *env, const char *name)
{
	size_t	nlen = strlen(name);
	int	i;

	for (i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], name, nlen) == 0 &&
		    env->vars[i][nlen] == '=')
			return env->vars[i] + nlen + 1;
	return NULL;
}

/* TLS_CLIENT_HASH: "SHA256:" and the fingerprint in upper case. */
static int
cgienv_hash(struct cgienv *env, const char *hex)
{
	char	v[8 + 64 + 1];
	size_t	i, n = strlen(hex);

	if (n > 64)
		return -1;
	memcpy(v, "SHA256:", 7);
	for (i = 0; i < n; i++)
		v[7 + i] = hex[i] >= 'a' && hex[i] <= 'f' ?
		    (char)(hex[i] - 'a' + 'A') : hex[i];
	v[7 + n] = '\0';
	return cgienv_set(env, "TLS_CLIENT_HASH", v);
}

static int
cgienv_cert(struct cgienv *env, const struct cgienv_req *req)
{
	if (req->cert_hash[0] == '\0')
		return 0;
	if (cgienv_set(env, "AUTH_TYPE", "CERTIFICATE") == -1 ||
	    cgienv_hash(env, req->cert_hash) == -1 ||
	    cgienv_set(env, "TLS_CLIENT_SUBJECT", req->cert_subject) == -1 ||
	    cgienv_set(env, "REMOTE_USER", req->cert_cn) == -1 ||
	    cgienv_set(env, "TLS_CLIENT_NOT_BEFORE",
	    req->cert_not_before) == -1 ||
	    cgienv_set(env, "TLS_CLIENT_NOT_AFTER", req->cert_not_after) == -1 ||
	    cgienv_set(env, "TLS_CLIENT_SERIAL_NUMBER", req->cert_serial) == -1)
		return -1;
	return 0;
}

int
cgienv_build(struct cgienv *env, const struct cgienv_req *req)
{
	env->len = 0;
	env->n = 0;
	env->vars[0] = NULL;
	/* SCGI: "CONTENT_LENGTH must be the first header". */
	if (req->scgi && (cgienv_set(env, "CONTENT_LENGTH", "0") == -1 ||
	    cgienv_set(env, "SCGI", "1") == -1))
		return -1;
	if (cgienv_set(env, "GATEWAY_INTERFACE", "CGI/1.1") == -1 ||
	    cgienv_set(env, "SERVER_PROTOCOL", "GEMINI") == -1 ||
	    cgienv_set(env, "SERVER_SOFTWARE", "capsuled/"
	    CAPSULED_VERSION) == -1 ||
	    cgienv_set(env, "GEMINI_URL", req->url) == -1 ||
	    cgienv_set(env, "SCRIPT_NAME", req->script_name) == -1 ||
	    cgienv_set(env, "PATH_INFO", req->path_info) == -1 ||
	    (req->path_info[0] != '\0' && cgienv_set(env, "PATH_TRANSLATED",
	    req->path_translated) == -1) ||
	    cgienv_set(env, "QUERY_STRING", req->query) == -1 ||
	    cgienv_set(env, "SERVER_NAME", req->server_name) == -1 ||
	    cgienv_set(env, "SERVER_PORT", req->server_port) == -1 ||
	    cgienv_set(env, "REMOTE_ADDR", req->remote_addr) == -1 ||
	    cgienv_set(env, "REMOTE_HOST", req->remote_addr) == -1 ||
	    cgienv_set(env, "TLS_VERSION", req->tls_version) == -1 ||
	    cgienv_set(env, "TLS_CIPHER", req->tls_cipher) == -1 ||
	    cgienv_cert(env, req) == -1 ||
	    (req->path && cgienv_set(env, "PATH", CGIENV_PATH) == -1))
		return -1;
	return 0;
}

size_t
cgienv_scgi(const struct cgienv *env, char *dst, size_t size)
{
	char	prefix[16];
	size_t	hlen = 0, plen, off;
	int	i, n;

	for (i = 0; i < env->n; i++)
		hlen += strlen(env->vars[i]) + 1;	/* '=' becomes NUL */
	n = snprintf(prefix, sizeof(prefix), "%zu:", hlen);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return 0;
	plen = (size_t)n;
	if (plen + hlen + 1 > size)
		return 0;
	memcpy(dst, prefix, plen);
	off = plen;
	for (i = 0; i < env->n; i++) {
		n = (int)strlen(env->vars[i]) + 1;
		memcpy(dst + off, env->vars[i], (size_t)n);
		*strchr(dst + off, '=') = '\0';
		off += (size_t)n;
	}
	dst[off++] = ',';
	return off;
}
