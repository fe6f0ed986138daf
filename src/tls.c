/*
 * tls.c: TLS contexts and non-blocking steps.  Settings follow measured
 * costs (README's Design and BENCHMARKS.md): ECDSA certificates, no TLS
 * 1.3 tickets by default, AES-128-GCM first, records through memory (a
 * BIO of our own, struct tls_io) so that one read() brings a client
 * flight and one write() sends ours; session-ticket keys rotated by
 * period.
 * The private keys stay in the key process: a context holds the
 * certificate and a keyprov.c key, and a handshake pauses (an ASYNC
 * job, TLS_WANT_ASYNC) while the key process signs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "keyprov.h"
#include "log.h"
#include "tls.h"
#include "vhost.h"

static SSL_CTX			*tls_ctxs[CONF_HOSTS_MAX];
static BIO_METHOD		*tls_bio_method;
static int			 tls_nctxs;
static const struct conf	*tls_conf;
/* SSL ex_data: the keyprov request a paused handshake waits for. */
static int			 tls_req_index = -1;

/* Made once per server lifetime, kept across reloads so that tickets
 * survive a SIGHUP; never leaves this process tree. */
static unsigned char		 tls_ticket_secret[TLS_TICKET_SECRET];
static int			 tls_ticket_ready;
static EVP_CIPHER		*tls_ticket_cipher;

static const char tls_ciphersuites[] =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_256_GCM_SHA384";
static const char tls_ciphers12[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

const char *
tls_error(void)
{
	static char	buf[256];
	unsigned long	e = ERR_get_error();

	if (e == 0)
		return "unknown TLS error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/*
 * SNI (RFC 6066): switch to the matching host's context.  An unknown
 * name keeps the default context rather than failing the handshake, so
 * the client gets a readable 53 instead of a TLS alert.
 */
static int
tls_sni_cb(SSL *ssl, int *alert, void *arg)
{
	const char		*name;
	const struct conf_host	*h;
	SSL_CTX			*ctx;

	(void)alert;
	(void)arg;
	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	h = vhost_find(tls_conf, name);
	if (h != NULL) {
		ctx = tls_ctxs[vhost_index(tls_conf, h)];
		SSL_set_SSL_CTX(ssl, ctx);
		/* SSL_set_SSL_CTX keeps the first context's verify mode:
		 * ask for a client certificate as this host wants. */
		SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx),
		    SSL_CTX_get_verify_callback(ctx));
	}
	return SSL_TLSEXT_ERR_OK;
}

/* Trust on first use: ask for a client certificate, accept any. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

/* Asking costs a CertificateRequest per handshake: only where used. */
static int
tls_wants_client_certs(const struct conf_host *h)
{
	int	i;

	/* A program may ask for one itself (60) and tell clients apart
	 * by it (TLS_CLIENT_HASH): ask where programs answer too. */
	for (i = 0; i < h->nlocations; i++)
		if (h->locations[i].require_cert ||
		    h->locations[i].nfingerprints > 0 ||
		    h->locations[i].titan.nfingerprints > 0 ||
		    h->locations[i].dynamic != CONF_DYN_NONE)
			return 1;
	return 0;
}

static int
tls_keyfile_check(const char *key, const char *cert, const char *host,
    char *errbuf, size_t errbufsize)
{
	struct stat	sb;
	int		have_key, have_cert;

	have_key = access(key, F_OK) == 0;
	have_cert = access(cert, F_OK) == 0;
	if (!have_key && !have_cert) {
		if (certgen_create(host, cert, key, errbuf, errbufsize) == -1)
			return -1;
		log_info("generated a self-signed certificate for %s: %s",
		    host, cert);
	} else if (have_key != have_cert) {
		snprintf(errbuf, errbufsize, "%s exists but %s does not",
		    have_key ? key : cert, have_key ? cert : key);
		return -1;
	}
	if (stat(key, &sb) == 0 && (sb.st_mode & 077) != 0)
		log_warnx("%s: private key is readable by group or others "
		    "(mode %03o); chmod 600 it", key,
		    (unsigned)(sb.st_mode & 0777));
	return 0;
}

int
tls_files(const struct conf *conf, char *errbuf, size_t errbufsize)
{
	int	i;

	for (i = 0; i < conf->nhosts; i++)
		if (tls_keyfile_check(conf->hosts[i].key, conf->hosts[i].cert,
		    conf->hosts[i].name, errbuf, errbufsize) == -1)
			return -1;
	return 0;
}

int
tls_ticket_derive(const unsigned char secret[TLS_TICKET_SECRET],
    uint64_t period, struct tls_ticket_key *k)
{
	unsigned char	 info[sizeof(TLS_TICKET_LABEL) - 1 + 8];
	unsigned char	 okm[sizeof(k->name) + sizeof(k->hmac) +
			    sizeof(k->aes)];
	OSSL_PARAM	 params[4];
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	size_t		 i, lablen = sizeof(TLS_TICKET_LABEL) - 1;
	int		 rv = -1;

	memcpy(info, TLS_TICKET_LABEL, lablen);
	for (i = 0; i < 8; i++)
		info[lablen + i] = (unsigned char)(period >> (56 - 8 * i));
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (kctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)secret, TLS_TICKET_SECRET);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, sizeof(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, okm, sizeof(okm), params) == 1) {
		k->period = period;
		memcpy(k->name, okm, sizeof(k->name));
		memcpy(k->hmac, okm + sizeof(k->name), sizeof(k->hmac));
		memcpy(k->aes, okm + sizeof(k->name) + sizeof(k->hmac),
		    sizeof(k->aes));
		rv = 0;
	}
	EVP_KDF_CTX_free(kctx);
	OPENSSL_cleanse(okm, sizeof(okm));
	return rv;
}

/*
 * The key of a period, derived on first use: one HKDF per worker per
 * period.  Slots by parity, so the current and the previous period's
 * keys are both at hand.
 */
static const struct tls_ticket_key *
tls_ticket_key(uint64_t period)
{
	static struct tls_ticket_key	keys[2];
	static int			have[2];
	int				slot = (int)(period & 1);

	if (!have[slot] || keys[slot].period != period) {
		have[slot] = tls_ticket_derive(tls_ticket_secret, period,
		    &keys[slot]) == 0;
		if (!have[slot])
			return NULL;
	}
	return &keys[slot];
}

/*
 * SSL_CTX_set_tlsext_ticket_key_evp_cb(3): encrypt with the current
 * period's key; decrypt with the current or the previous one (2: the
 * client gets a fresh ticket).  0 on decrypt: unknown or expired key
 * name, so a full handshake rather than a failure.
 *
 * TLS 1.3 clients use a ticket once (RFC 8446 C.4; OpenSSL's client
 * does), and OpenSSL sends none after a resumption unless asked: so
 * always renew there, or every other handshake is a full one (measured
 * with gembench -r: 200 of 400 resumed).  The cost is one ticket
 * encryption per resumed handshake.
 */
static int
tls_ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_ticket_key	*k;
	OSSL_PARAM			 params[3];
	uint64_t			 now;
	int				 renew;

	renew = SSL_version(ssl) >= TLS1_3_VERSION;
	now = (uint64_t)time(NULL) / TLS_TICKET_PERIOD;
	if ((k = tls_ticket_key(now)) == NULL)
		return enc ? -1 : 0;
	if (enc) {
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    tls_ticket_cipher)) != 1)
			return -1;
		memcpy(name, k->name, sizeof(k->name));
	} else if (memcmp(name, k->name, sizeof(k->name)) != 0) {
		if (now == 0 || (k = tls_ticket_key(now - 1)) == NULL ||
		    memcmp(name, k->name, sizeof(k->name)) != 0)
			return 0;
		renew = 1;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)k->hmac, sizeof(k->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1 ||
	    EVP_CipherInit_ex(cctx, tls_ticket_cipher, NULL, k->aes, iv,
	    enc) != 1)
		return -1;
	return !enc && renew ? 2 : 1;
}

/* Before the fork: every worker must inherit the same secret. */
static int
tls_ticket_init(void)
{
	if (tls_ticket_ready)
		return 0;
	if (tls_ticket_cipher == NULL &&
	    (tls_ticket_cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC",
	    NULL)) == NULL)
		return -1;
	if (RAND_priv_bytes(tls_ticket_secret,
	    sizeof(tls_ticket_secret)) != 1)
		return -1;
	tls_ticket_ready = 1;
	return 0;
}

/* The certificate's public key, as a key that signs in the key process. */
static int
tls_ctx_key(SSL_CTX *ctx, const struct conf_host *h, int key, char *errbuf,
    size_t errbufsize)
{
	const char	*errstr;
	EVP_PKEY	*pkey;
	X509		*x;
	int		 ok;

	if ((x = SSL_CTX_get0_certificate(ctx)) == NULL ||
	    X509_get0_pubkey(x) == NULL) {
		snprintf(errbuf, errbufsize, "%s: no public key", h->cert);
		return -1;
	}
	if ((pkey = keyprov_key(X509_get0_pubkey(x), key, &errstr)) == NULL) {
		snprintf(errbuf, errbufsize, "%s: %s", h->cert, errstr);
		return -1;
	}
	ok = SSL_CTX_use_PrivateKey(ctx, pkey);
	EVP_PKEY_free(pkey);
	if (ok != 1) {
		snprintf(errbuf, errbufsize, "%s: %s", h->cert, tls_error());
		return -1;
	}
	return 0;
}

static SSL_CTX *
tls_ctx_new(const struct conf *conf, const struct conf_host *h, int key,
    char *errbuf, size_t errbufsize)
{
	SSL_CTX		*ctx;
	unsigned char	 sid[EVP_MAX_MD_SIZE];
	unsigned int	 sidlen = 0;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Handshakes run as jobs that pause while the key process signs;
	 * tls_handshake() turns it off once a handshake is done. */
	if (ASYNC_is_capable())
		SSL_CTX_set_mode(ctx, SSL_MODE_ASYNC);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_num_tickets(ctx, (size_t)conf->tls_tickets);
	/* TLS 1.2 resumes by ticket; a server cache would grow RSS. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* A session belongs to its host: without a context OpenSSL refuses
	 * to resume where client certificates are asked for, and with one
	 * a session of host A (and its client certificate) cannot be
	 * resumed on host B. */
	if (EVP_Digest(h->name, strlen(h->name), sid, &sidlen, EVP_sha256(),
	    NULL) != 1 || SSL_CTX_set_session_id_context(ctx, sid,
	    sidlen) != 1)
		goto fail;
	/* A ticket lives one period; its key is kept one more. */
	SSL_CTX_set_timeout(ctx, TLS_TICKET_PERIOD);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb);
	if (tls_wants_client_certs(h))
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_CLIENT_ONCE, tls_verify_cb);
	if (SSL_CTX_set_ciphersuites(ctx, tls_ciphersuites) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, tls_ciphers12) != 1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, h->cert) != 1) {
		snprintf(errbuf, errbufsize, "%s: %s", h->cert, tls_error());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (tls_ctx_key(ctx, h, key, errbuf, errbufsize) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, tls_sni_cb);
	return ctx;
fail:
	snprintf(errbuf, errbufsize, "TLS setup: %s", tls_error());
	SSL_CTX_free(ctx);
	return NULL;
}

/*
 * The BIO between OpenSSL and a struct tls_io: reads take what conn.c
 * has read from the socket (none left: "retry", OpenSSL's WANT_READ),
 * writes append to out and always succeed (conn.c bounds out by not
 * encrypting more while it is full).
 */
static int
tls_bio_read(BIO *bio, char *p, size_t len, size_t *done)
{
	struct tls_io	*io = BIO_get_data(bio);
	size_t		 n = io->in.len - io->inoff;

	BIO_clear_retry_flags(bio);
	if (n == 0) {
		BIO_set_retry_read(bio);
		*done = 0;
		return 0;
	}
	if (n > len)
		n = len;
	memcpy(p, io->in.data + io->inoff, n);
	io->inoff += n;
	if (io->inoff == io->in.len)
		io->inoff = io->in.len = 0;
	*done = n;
	return 1;
}

static int
tls_bio_write(BIO *bio, const char *p, size_t len, size_t *done)
{
	struct tls_io	*io = BIO_get_data(bio);
	ssize_t		 w;

	BIO_clear_retry_flags(bio);
	*done = len;
	if (len >= TLS_IO_DIRECT && io->outoff == io->out.len) {
		w = write(io->fd, p, len);
		if (w > 0) {
			io->written += (size_t)w;
			p += w;
			len -= (size_t)w;
		}
		/* An error shows again at conn.c's next write. */
		if (len == 0)
			return 1;
	}
	/* Room for a whole flight at once: growing from the default by
	 * doubling would copy its first records again at each step. */
	if (io->out.cap == 0 && buf_reserve(&io->out, TLS_IO_OUT) == -1)
		return 0;
	if (buf_append(&io->out, p, len) == -1)
		return 0;
	return 1;
}

static long
tls_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	struct tls_io	*io = BIO_get_data(bio);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_PENDING:
		return (long)(io->in.len - io->inoff);
	default:
		return 0;
	}
}

static int
tls_bio_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

static int
tls_bio_init(void)
{
	BIO_METHOD	*m;

	if (tls_bio_method != NULL)
		return 0;
	if ((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "capsuled memory")) == NULL)
		return -1;
	if (BIO_meth_set_read_ex(m, tls_bio_read) != 1 ||
	    BIO_meth_set_write_ex(m, tls_bio_write) != 1 ||
	    BIO_meth_set_ctrl(m, tls_bio_ctrl) != 1 ||
	    BIO_meth_set_create(m, tls_bio_create) != 1) {
		BIO_meth_free(m);
		return -1;
	}
	tls_bio_method = m;
	return 0;
}

/*
 * An SSL freed by plain SSL_free() while its handshake waits: its job
 * can no longer be ended (it leaks, 32 KiB), but the answer must not
 * resume it.  tls_ssl_free() is the way; this is the safety net.
 */
static void
tls_req_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	static int	said;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr == NULL || !keyprov_waiting(ptr))
		return;
	keyprov_cancel(ptr);
	if (!said++)
		log_warnx("an SSL was freed while its handshake waited for "
		    "the key process (use tls_ssl_free)");
}

/*
 * Build every context first and swap only when all succeeded, so a
 * reload with a broken certificate keeps the contexts in service.
 */
int
tls_init(const struct conf *conf, char *errbuf, size_t errbufsize)
{
	SSL_CTX	*ctxs[CONF_HOSTS_MAX];
	int	 i, j;

	if (tls_ticket_init() == -1) {
		snprintf(errbuf, errbufsize, "ticket keys: %s", tls_error());
		return -1;
	}
	if (tls_bio_init() == -1) {
		snprintf(errbuf, errbufsize, "TLS setup: %s", tls_error());
		return -1;
	}
	if (keyprov_init() == -1 || (tls_req_index == -1 &&
	    (tls_req_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    tls_req_free)) == -1)) {
		snprintf(errbuf, errbufsize, "key provider: %s", tls_error());
		return -1;
	}
	for (i = 0; i < conf->nhosts; i++) {
		ctxs[i] = tls_ctx_new(conf, &conf->hosts[i], i, errbuf,
		    errbufsize);
		if (ctxs[i] == NULL) {
			for (j = 0; j < i; j++)
				SSL_CTX_free(ctxs[j]);
			return -1;
		}
	}
	tls_free();
	memcpy(tls_ctxs, ctxs, sizeof(ctxs[0]) * (size_t)conf->nhosts);
	tls_nctxs = conf->nhosts;
	tls_conf = conf;
	return 0;
}

void
tls_free(void)
{
	int	i;

	for (i = 0; i < tls_nctxs; i++)
		SSL_CTX_free(tls_ctxs[i]);
	tls_nctxs = 0;
}

SSL *
tls_new(struct tls_io *io)
{
	SSL	*ssl;
	BIO	*bio;

	if ((ssl = SSL_new(tls_ctxs[0])) == NULL)
		return NULL;
	if ((bio = BIO_new(tls_bio_method)) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	BIO_set_data(bio, io);
	SSL_set_bio(ssl, bio, bio);	/* one reference, SSL_free's */
	SSL_set_accept_state(ssl);
	return ssl;
}

int
tls_sni_host(SSL *ssl, char *buf, size_t bufsize)
{
	const char		*name;
	const struct conf_host	*h;

	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL) {
		if (bufsize > 0)
			buf[0] = '\0';
		return -1;
	}
	snprintf(buf, bufsize, "%s", name);
	h = vhost_find(tls_conf, name);
	return h ? vhost_index(tls_conf, h) : -1;
}

static enum tls_result
tls_result(SSL *ssl, int rc)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_WANT_ASYNC:
		return TLS_WANT_ASYNC;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	default:
		ERR_clear_error();
		return TLS_ERROR;
	}
}

enum tls_peer
tls_peer_fingerprint(SSL *ssl, char fpr[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	X509			*x;

	fpr[0] = '\0';
	if ((x = SSL_get0_peer_certificate(ssl)) == NULL)
		return TLS_PEER_NONE;
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		return TLS_PEER_INVALID;
	for (i = 0; i < mdlen; i++) {
		fpr[2 * i] = hex[md[i] >> 4];
		fpr[2 * i + 1] = hex[md[i] & 0xf];
	}
	fpr[2 * mdlen] = '\0';
	/* Self-signed is fine (TOFU); outside its dates it is not. */
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0 ||
	    X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return TLS_PEER_INVALID;
	return TLS_PEER_OK;
}

/* ISO 8601 in UTC, as Jetforce writes certificate dates. */
static void
tls_info_time(const ASN1_TIME *t, char *dst, size_t size)
{
	struct tm	tm;

	dst[0] = '\0';
	if (t != NULL && ASN1_TIME_to_tm(t, &tm) == 1 &&
	    strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		dst[0] = '\0';
}

static void
tls_info_cn(const X509_NAME *name, char *dst, size_t size)
{
	unsigned char	*utf8 = NULL;
	int		 i, n;

	dst[0] = '\0';
	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0 || (n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)))) < 0)
		return;
	if ((size_t)n >= size)
		n = (int)size - 1;
	for (i = 0; i < n; i++)
		dst[i] = utf8[i] < 0x20 || utf8[i] == 0x7f ? '?' :
		    (char)utf8[i];
	dst[n] = '\0';
	OPENSSL_free(utf8);
}

static void
tls_info_subject(const X509_NAME *name, char *dst, size_t size)
{
	BIO	*b;
	int	 n;

	dst[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	/* RFC 2253 with UTF-8 kept: control bytes still come escaped. */
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_read(b, dst, (int)size - 1)) > 0)
		dst[n] = '\0';
	BIO_free(b);
}

static void
tls_info_serial(const ASN1_INTEGER *serial, char *dst, size_t size)
{
	BIGNUM	*bn;
	char	*dec = NULL;

	dst[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) != NULL &&
	    (dec = BN_bn2dec(bn)) != NULL)
		(void)snprintf(dst, size, "%s", dec);
	OPENSSL_free(dec);
	BN_free(bn);
}

void
tls_info(SSL *ssl, struct tls_info *ti)
{
	const char	*s;
	X509		*x;

	memset(ti, 0, sizeof(*ti));
	if (ssl == NULL)
		return;
	if ((s = SSL_get_version(ssl)) != NULL)
		(void)snprintf(ti->version, sizeof(ti->version), "%s", s);
	if ((s = SSL_get_cipher_name(ssl)) != NULL)
		(void)snprintf(ti->cipher, sizeof(ti->cipher), "%s", s);
	if ((x = SSL_get0_peer_certificate(ssl)) == NULL)
		return;
	tls_info_subject(X509_get_subject_name(x), ti->subject,
	    sizeof(ti->subject));
	tls_info_cn(X509_get_subject_name(x), ti->cn, sizeof(ti->cn));
	tls_info_time(X509_get0_notBefore(x), ti->not_before,
	    sizeof(ti->not_before));
	tls_info_time(X509_get0_notAfter(x), ti->not_after,
	    sizeof(ti->not_after));
	tls_info_serial(X509_get0_serialNumber(x), ti->serial,
	    sizeof(ti->serial));
}

enum tls_result
tls_handshake(SSL *ssl)
{
	struct keyprov_req	*req = SSL_get_ex_data(ssl, tls_req_index);
	enum tls_result		 r;
	int			 rc;

	/* Woken before the key process answered: by a hang-up (see
	 * tls.h).  The job resumes without a signature and fails. */
	if (req != NULL && keyprov_waiting(req)) {
		log_debug("client gone while the key process signed");
		keyprov_cancel(req);
	}
	ERR_clear_error();
	if ((rc = SSL_do_handshake(ssl)) == 1) {
		/* Reads and writes need no job. */
		SSL_clear_mode(ssl, SSL_MODE_ASYNC);
		r = TLS_DONE;
	} else
		r = tls_result(ssl, rc);
	/* Set only when needed: the first set allocates. */
	if (r == TLS_WANT_ASYNC)
		SSL_set_ex_data(ssl, tls_req_index, keyprov_paused());
	else if (req != NULL)
		SSL_set_ex_data(ssl, tls_req_index, NULL);
	return r;
}

void
tls_async_wait(SSL *ssl, struct loop *loop, loop_cb *cb, void *arg)
{
	struct keyprov_req	*req = SSL_get_ex_data(ssl, tls_req_index);

	if (req != NULL)
		keyprov_wait(req, loop, cb, arg);
}

void
tls_ssl_free(SSL *ssl)
{
	struct keyprov_req	*req;

	if (ssl == NULL)
		return;
	if ((req = SSL_get_ex_data(ssl, tls_req_index)) != NULL) {
		SSL_set_ex_data(ssl, tls_req_index, NULL);
		keyprov_cancel(req);
		ERR_clear_error();
		(void)SSL_do_handshake(ssl);	/* ends the job: an alert */
	}
	SSL_free(ssl);
}

enum tls_result
tls_read(SSL *ssl, void *buf, size_t len, size_t *n)
{
	int	rc;

	ERR_clear_error();
	if ((rc = SSL_read_ex(ssl, buf, len, n)) == 1)
		return TLS_DONE;
	return tls_result(ssl, rc);
}

enum tls_result
tls_write(SSL *ssl, const void *buf, size_t len, size_t *n)
{
	int	rc;

	ERR_clear_error();
	if ((rc = SSL_write_ex(ssl, buf, len, n)) == 1)
		return TLS_DONE;
	return tls_result(ssl, rc);
}

enum tls_result
tls_shutdown(SSL *ssl)
{
	int	rc;

	ERR_clear_error();
	rc = SSL_shutdown(ssl);
	if (rc >= 0)
		return TLS_DONE;	/* 0: our close_notify is out */
	return tls_result(ssl, rc);
}
