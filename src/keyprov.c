/*
 * keyprov.c: keys a worker signs with but does not hold.
 *
 * Why a provider rather than a key method: OpenSSL 3.0 still offers
 * RSA_METHOD and EC_KEY_METHOD, deprecated, and they would hand us a
 * digest (ECDSA) or an already padded block (RSA, which turns the key
 * process into a raw RSA oracle for PSS); Ed25519 has no method at all.
 * A provider key is the supported mechanism, covers every key type
 * through one signature function, and sees the whole message, so the
 * key process can check it is a TLS handshake structure (keymsg.c)
 * before signing.  The provider lives in a library context of its own:
 * nothing but keyprov_key() ever fetches its algorithms, so it cannot
 * be picked for another key's operation.  Its keys have no export
 * function: libssl's signing first tries the default provider's ECDSA
 * (or RSA...), fails to move the key there, and takes ours.
 *
 * Signing pauses the handshake's ASYNC job (SSL_MODE_ASYNC, tls.c)
 * until the key process answers: measured on this 2-core VM, a blocking
 * round trip for ECDSA P-256 costs 33 us with both on one core and 90 us
 * across cores (the sign itself is 23 us), and an RSA-2048 one 250 us
 * more; a job's start, pause and resume costs 0.2 us.  Blocking would
 * stall every other connection of the worker that long per handshake,
 * and for as long as the key process is stuck.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/async.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "keymsg.h"
#include "keyprov.h"
#include "log.h"

#define KEYPROV_NAME		"capsuled-keys"
#define KEYPROV_PARAM_KEY	"capsuled-key"	/* the key's number */
#define KEYPROV_WAITING_MAX	256	/* requests in flight per worker */
#define KEYPROV_BATCH		32	/* answers read per call */
#define KEYPROV_BLOCK_SEC	5	/* a blocking wait (outside a job) */

enum {
	KEYPROV_WAITING,
	KEYPROV_DONE,
	KEYPROV_FAILED
};

struct keyprov_req {
	uint64_t		 id;
	int			 state;
	unsigned char		*sig;		/* libssl's buffer */
	size_t			 sigsize, siglen;
	loop_cb			*cb;
	void			*arg;
	TAILQ_ENTRY(keyprov_req) entry;
};

/* A key as the provider holds it. */
struct keyprov_key {
	EVP_PKEY	*pub;		/* the certificate's, default provider */
	int		 type;		/* KEYMSG_EC ... */
	int		 key;		/* number in the key process, or -1 */
};

struct keyprov_sigctx {
	struct keyprov_key	*k;
	char			 md[32];	/* "" for EdDSA */
	int			 pss;
};

static TAILQ_HEAD(, keyprov_req) keyprov_queue =
    TAILQ_HEAD_INITIALIZER(keyprov_queue);
static int			 keyprov_nwaiting;
static int			 keyprov_fd = -1;
static struct loop		*keyprov_loop;
static struct loop_ev		 keyprov_ev;
static uint64_t			 keyprov_next_id;
static struct keyprov_req	*keyprov_last;
static OSSL_LIB_CTX		*keyprov_libctx;
static OSSL_PROVIDER		*keyprov_prov;

/* By key type (KEYMSG_EC ...): the default provider's key type names. */
static const char *const keyprov_types[] = {
	NULL, "EC", "RSA", "ED25519", "ED448"
};

/*
 * A handshake that fails for want of a signature says why, once a second
 * at most: a dead key process fails every handshake in flight at once.
 */
static void
keyprov_complain(const char *why)
{
	static time_t	last;
	static long	quiet;
	time_t		now = time(NULL);

	if (now == last) {
		quiet++;
		return;
	}
	if (quiet > 0)
		log_warnx("TLS handshake failed: %s (%ld more in the last "
		    "second)", why, quiet);
	else
		log_warnx("TLS handshake failed: %s", why);
	last = now;
	quiet = 0;
}

static void
keyprov_finish(struct keyprov_req *req, int state)
{
	TAILQ_REMOVE(&keyprov_queue, req, entry);
	keyprov_nwaiting--;
	req->state = state;
	if (req->cb != NULL)
		req->cb(-1, 0, req->arg);	/* req may be gone after this */
}

static void
keyprov_fail_all(const char *why)
{
	struct keyprov_req	*req;

	if (!TAILQ_EMPTY(&keyprov_queue))
		keyprov_complain(why);
	while ((req = TAILQ_FIRST(&keyprov_queue)) != NULL)
		keyprov_finish(req, KEYPROV_FAILED);
}

/* One answer from the key process. */
static void
keyprov_dispatch(const unsigned char *buf, size_t len)
{
	struct keyprov_req	*req;
	struct keymsg		 m;
	const char		*err = "truncated";

	/* len 0: truncated (keymsg_parse() would say "need more"). */
	if (len == 0 || keymsg_parse(buf, len, &m, &err) != (ssize_t)len) {
		log_warnx("key process: bad answer ignored: %s", err);
		return;
	}
	if (m.type == KEYMSG_SIGN) {
		log_warnx("key process: a request where answers go, ignored");
		return;
	}
	if (m.type == KEYMSG_HELLO) {
		keyprov_fail_all("the key process restarted");
		return;
	}
	TAILQ_FOREACH(req, &keyprov_queue, entry)
		if (req->id == m.id)
			break;
	if (req == NULL)
		return;		/* cancelled, or a previous worker's */
	if (m.type == KEYMSG_FAILED || m.bodylen > req->sigsize) {
		keyprov_complain("the key process could not sign");
		keyprov_finish(req, KEYPROV_FAILED);
		return;
	}
	memcpy(req->sig, m.body, m.bodylen);
	req->siglen = m.bodylen;
	keyprov_finish(req, KEYPROV_DONE);
}

static void
keyprov_lost(void)
{
	if (keyprov_loop != NULL)
		loop_del(keyprov_loop, &keyprov_ev);
	close(keyprov_fd);
	keyprov_fd = -1;
	keyprov_fail_all("the key process is gone");
}

/*
 * The key socket is readable: answers, in the order of the requests.
 * One recvmmsg() takes all that wait (the key process answers in
 * batches), then each resumes its handshake.
 */
static void
keyprov_read(int fd, int events, void *arg)
{
	static unsigned char	buf[KEYPROV_BATCH][KEYMSG_MAX];
	struct mmsghdr		msgs[KEYPROV_BATCH];
	struct iovec		iov[KEYPROV_BATCH];
	int			i, n;

	(void)events;
	(void)arg;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < KEYPROV_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, msgs, KEYPROV_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	for (i = 0; i < n && keyprov_fd == fd; i++) {
		if (msgs[i].msg_len == 0)	/* end of file */
			break;
		keyprov_dispatch(buf[i], (msgs[i].msg_hdr.msg_flags &
		    MSG_TRUNC) ? 0 : msgs[i].msg_len);
	}
	if (keyprov_fd == fd && (n <= 0 || i < n)) {
		log_warnx("key process: %s", n == -1 ? strerror(errno) :
		    "socket closed");
		keyprov_lost();
	}
}

void
keyprov_attach(int fd)
{
	unsigned char	buf[KEYMSG_MAX];
	struct timeval	tv = { KEYPROV_BLOCK_SEC, 0 };

	keyprov_fd = fd;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	/* Only waits outside a job block (keyprov_block). */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A worker in the same slot before us may have asked too. */
	if (RAND_bytes((unsigned char *)&keyprov_next_id,
	    sizeof(keyprov_next_id)) != 1)
		keyprov_next_id = (uint64_t)getpid() << 32;
}

struct keyprov_req *
keyprov_paused(void)
{
	struct keyprov_req	*req = keyprov_last;

	keyprov_last = NULL;
	return req;
}

int
keyprov_waiting(const struct keyprov_req *req)
{
	return req->state == KEYPROV_WAITING;
}

void
keyprov_wait(struct keyprov_req *req, struct loop *loop, loop_cb *cb,
    void *arg)
{
	if (keyprov_loop == NULL && keyprov_fd != -1) {
		if (loop_add(loop, &keyprov_ev, keyprov_fd, LOOP_READ,
		    keyprov_read, NULL) == -1)
			log_warn("key process socket");
		else
			keyprov_loop = loop;
	}
	req->cb = cb;
	req->arg = arg;
}

void
keyprov_cancel(struct keyprov_req *req)
{
	if (req->state != KEYPROV_WAITING)
		return;
	req->cb = NULL;
	keyprov_finish(req, KEYPROV_FAILED);
}

/*
 * Outside an ASYNC job (OpenSSL without ASYNC support, or a caller that
 * did not ask for it) the only way is to wait here, bounded by the
 * socket's receive timeout.  Never while jobs wait: their answers would
 * resume them from inside this one.
 */
static void
keyprov_block(struct keyprov_req *req)
{
	unsigned char	buf[KEYMSG_MAX];
	ssize_t		n;

	while (req->state == KEYPROV_WAITING) {
		n = recv(keyprov_fd, buf, sizeof(buf), MSG_TRUNC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			keyprov_cancel(req);
			keyprov_complain("the key process did not answer");
			return;
		}
		if (n <= 0) {
			keyprov_lost();
			return;
		}
		keyprov_dispatch(buf, (size_t)n > sizeof(buf) ? 0 : (size_t)n);
	}
}

/* Send the request; wait for the answer.  1 with the signature, or 0. */
static int
keyprov_sign(const struct keyprov_key *k, const struct keymsg_scheme *s,
    const unsigned char *tbs, size_t tbslen, unsigned char *sig,
    size_t sigsize, size_t *siglen)
{
	unsigned char		 buf[KEYMSG_HEADER + KEYMSG_TBS_MAX];
	struct keyprov_req	 req;
	struct keymsg		 m;
	size_t			 len;
	int			 injob = ASYNC_get_current_job() != NULL;

	if (keyprov_fd == -1)
		return 0;
	/* Each waiting job holds a 32 KiB stack: bounded. */
	if (keyprov_nwaiting >= KEYPROV_WAITING_MAX) {
		keyprov_complain("too many handshakes wait for the key "
		    "process");
		return 0;
	}
	if (!injob && keyprov_nwaiting > 0)
		return 0;	/* see keyprov_block() */
	/* Until keyprov_wait() puts the socket in the loop, nothing reads
	 * it: a hello from a key process started since must not be taken
	 * for the answer to this request. */
	if (keyprov_loop == NULL)
		keyprov_read(keyprov_fd, 0, NULL);
	if (keyprov_fd == -1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.type = KEYMSG_SIGN;
	m.key = (uint16_t)k->key;
	m.scheme = s->code;
	m.id = keyprov_next_id++;
	m.body = tbs;
	m.bodylen = tbslen;
	if ((len = keymsg_encode(buf, sizeof(buf), &m)) == 0)
		return 0;	/* not a TLS structure: never sent */
	if (send(keyprov_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)len) {
		keyprov_complain(errno == EAGAIN ? "the key process is "
		    "not keeping up" : "cannot reach the key process");
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.id = m.id;
	req.sig = sig;
	req.sigsize = sigsize;
	TAILQ_INSERT_TAIL(&keyprov_queue, &req, entry);
	keyprov_nwaiting++;
	if (injob) {
		keyprov_last = &req;
		ASYNC_pause_job();
		keyprov_last = NULL;
		keyprov_cancel(&req);	/* resumed without an answer */
	} else
		keyprov_block(&req);
	*siglen = req.siglen;
	return req.state == KEYPROV_DONE;
}

/* The keys' management: enough for libssl to use them, no more. */

static void *
keyprov_new(int type)
{
	struct keyprov_key	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->type = type;
	k->key = -1;
	return k;
}

static void *
keyprov_new_ec(void *provctx)
{
	(void)provctx;
	return keyprov_new(KEYMSG_EC);
}

static void *
keyprov_new_rsa(void *provctx)
{
	(void)provctx;
	return keyprov_new(KEYMSG_RSA);
}

static void *
keyprov_new_ed25519(void *provctx)
{
	(void)provctx;
	return keyprov_new(KEYMSG_ED25519);
}

static void *
keyprov_new_ed448(void *provctx)
{
	(void)provctx;
	return keyprov_new(KEYMSG_ED448);
}

static void
keyprov_key_free(void *keydata)
{
	struct keyprov_key	*k = keydata;

	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	free(k);
}

/* A public key: ours from keyprov_key(), or a certificate's that
 * EVP_PKEY_eq() brings over to compare. */
static int
keyprov_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct keyprov_key	*k = keydata;
	const OSSL_PARAM	*p;
	EVP_PKEY_CTX		*ctx;
	int			 ok;

	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) == 0 ||
	    k->pub != NULL)
		return 0;
	p = OSSL_PARAM_locate_const(params, KEYPROV_PARAM_KEY);
	if (p != NULL && OSSL_PARAM_get_int(p, &k->key) != 1)
		return 0;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, keyprov_types[k->type], NULL);
	ok = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &k->pub, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)params) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static const OSSL_PARAM *
keyprov_import_types(int selection)
{
	static const OSSL_PARAM	types[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
		OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
		OSSL_PARAM_int(KEYPROV_PARAM_KEY, NULL),
		OSSL_PARAM_END
	};

	return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) ? types : NULL;
}

static int
keyprov_has(const void *keydata, int selection)
{
	const struct keyprov_key	*k = keydata;

	if (k == NULL || k->pub == NULL)
		return 0;
	return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) == 0 ||
	    k->key >= 0;
}

static int
keyprov_match(const void *a, const void *b, int selection)
{
	const struct keyprov_key	*ka = a, *kb = b;

	if (ka->pub == NULL || kb->pub == NULL)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) == 0)
		return EVP_PKEY_parameters_eq(ka->pub, kb->pub) == 1;
	return EVP_PKEY_eq(ka->pub, kb->pub) == 1;
}

/* Sizes, security bits, the curve: the public key's answers. */
static int
keyprov_get_params(void *keydata, OSSL_PARAM params[])
{
	struct keyprov_key	*k = keydata;

	return k->pub != NULL && EVP_PKEY_get_params(k->pub, params) == 1;
}

static const OSSL_PARAM *
keyprov_gettable_params(void *provctx)
{
	static const OSSL_PARAM	gettable[] = {
		OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
		OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL,
		    0),
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, NULL,
		    0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		    NULL, 0),
		OSSL_PARAM_END
	};

	(void)provctx;
	return gettable;
}

static const char *
keyprov_ec_operation(int operation_id)
{
	return operation_id == OSSL_OP_SIGNATURE ? "ECDSA" : NULL;
}

/* The functions every key type shares, after its own "new". */
#define KEYPROV_KEYMGMT(newfn)						\
	{ OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))newfn },		\
	{ OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))keyprov_key_free },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))keyprov_import },	\
	{ OSSL_FUNC_KEYMGMT_IMPORT_TYPES,				\
	    (void (*)(void))keyprov_import_types },			\
	{ OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))keyprov_has },	\
	{ OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))keyprov_match },	\
	{ OSSL_FUNC_KEYMGMT_GET_PARAMS,					\
	    (void (*)(void))keyprov_get_params },			\
	{ OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,				\
	    (void (*)(void))keyprov_gettable_params }

static const OSSL_DISPATCH keyprov_ec_keymgmt[] = {
	KEYPROV_KEYMGMT(keyprov_new_ec),
	{ OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,
	    (void (*)(void))keyprov_ec_operation },
	{ 0, NULL }
};
static const OSSL_DISPATCH keyprov_rsa_keymgmt[] = {
	KEYPROV_KEYMGMT(keyprov_new_rsa),
	{ 0, NULL }
};
static const OSSL_DISPATCH keyprov_ed25519_keymgmt[] = {
	KEYPROV_KEYMGMT(keyprov_new_ed25519),
	{ 0, NULL }
};
static const OSSL_DISPATCH keyprov_ed448_keymgmt[] = {
	KEYPROV_KEYMGMT(keyprov_new_ed448),
	{ 0, NULL }
};

/* Signing: libssl's EVP_DigestSign() over the whole message. */

static void *
keyprov_sig_new(void *provctx, const char *propq)
{
	(void)provctx;
	(void)propq;
	return calloc(1, sizeof(struct keyprov_sigctx));
}

static void
keyprov_sig_free(void *ctx)
{
	free(ctx);
}

/*
 * libssl sets the padding (an int) and the salt length ("digest") for
 * RSA-PSS, as TLS wants them (RFC 8446 4.2.3); nothing else is signed.
 */
static int
keyprov_sig_set_params(void *vctx, const OSSL_PARAM params[])
{
	struct keyprov_sigctx	*ctx = vctx;
	const OSSL_PARAM	*p;
	const char		*s;
	int			 pad;

	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
		if (OSSL_PARAM_get_int(p, &pad) == 1)
			ctx->pss = pad == RSA_PKCS1_PSS_PADDING;
		else if (OSSL_PARAM_get_utf8_string_ptr(p, &s) == 1) {
			pad = strcmp(s, "pss") == 0 ? RSA_PKCS1_PSS_PADDING :
			    strcmp(s, "pkcs1") == 0 ? RSA_PKCS1_PADDING : -1;
			ctx->pss = pad == RSA_PKCS1_PSS_PADDING;
		} else
			return 0;
		if (pad != RSA_PKCS1_PSS_PADDING && pad != RSA_PKCS1_PADDING)
			return 0;
	}
	if ((p = OSSL_PARAM_locate_const(params,
	    OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL) {
		if (OSSL_PARAM_get_utf8_string_ptr(p, &s) == 1) {
			if (strcmp(s, "digest") != 0)
				return 0;
		} else if (OSSL_PARAM_get_int(p, &pad) != 1 ||
		    pad != RSA_PSS_SALTLEN_DIGEST)
			return 0;
	}
	return 1;
}

static const OSSL_PARAM *
keyprov_sig_settable(void *ctx, void *provctx)
{
	static const OSSL_PARAM	settable[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL,
		    0),
		OSSL_PARAM_END
	};

	(void)ctx;
	(void)provctx;
	return settable;
}

static int
keyprov_sig_init(void *vctx, const char *mdname, void *keydata,
    const OSSL_PARAM params[])
{
	struct keyprov_sigctx	*ctx = vctx;

	ctx->k = keydata;
	ctx->pss = 0;
	ctx->md[0] = '\0';
	if (mdname != NULL && mdname[0] != '\0' &&
	    (size_t)snprintf(ctx->md, sizeof(ctx->md), "%s", mdname) >=
	    sizeof(ctx->md))
		return 0;
	return ctx->k != NULL && keyprov_sig_set_params(ctx, params);
}

static int
keyprov_sig_sign(void *vctx, unsigned char *sig, size_t *siglen,
    size_t sigsize, const unsigned char *tbs, size_t tbslen)
{
	struct keyprov_sigctx		*ctx = vctx;
	const struct keymsg_scheme	*s;

	if (sig == NULL) {
		*siglen = (size_t)EVP_PKEY_get_size(ctx->k->pub);
		return *siglen > 0;
	}
	s = keymsg_scheme_find(ctx->k->type, ctx->md[0] ? ctx->md : NULL,
	    ctx->pss);
	if (s == NULL || ctx->k->key < 0)
		return 0;
	return keyprov_sign(ctx->k, s, tbs, tbslen, sig, sigsize, siglen);
}

static const OSSL_DISPATCH keyprov_signature[] = {
	{ OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))keyprov_sig_new },
	{ OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))keyprov_sig_free },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
	    (void (*)(void))keyprov_sig_init },
	{ OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))keyprov_sig_sign },
	{ OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS,
	    (void (*)(void))keyprov_sig_set_params },
	{ OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
	    (void (*)(void))keyprov_sig_settable },
	{ 0, NULL }
};

/* The provider: names as the default provider spells them, so that
 * libssl's EVP_PKEY_is_a() checks find the key types it knows. */

#define KEYPROV_PROPS	"provider=" KEYPROV_NAME

static const OSSL_ALGORITHM keyprov_keymgmts[] = {
	{ "EC:id-ecPublicKey:1.2.840.10045.2.1", KEYPROV_PROPS,
	  keyprov_ec_keymgmt, NULL },
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", KEYPROV_PROPS,
	  keyprov_rsa_keymgmt, NULL },
	{ "ED25519:1.3.101.112", KEYPROV_PROPS, keyprov_ed25519_keymgmt,
	  NULL },
	{ "ED448:1.3.101.113", KEYPROV_PROPS, keyprov_ed448_keymgmt, NULL },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM keyprov_signatures[] = {
	{ "ECDSA", KEYPROV_PROPS, keyprov_signature, NULL },
	{ "RSA:rsaEncryption:1.2.840.113549.1.1.1", KEYPROV_PROPS,
	  keyprov_signature, NULL },
	{ "ED25519:1.3.101.112", KEYPROV_PROPS, keyprov_signature, NULL },
	{ "ED448:1.3.101.113", KEYPROV_PROPS, keyprov_signature, NULL },
	{ NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *
keyprov_query(void *provctx, int operation_id, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_KEYMGMT:
		return keyprov_keymgmts;
	case OSSL_OP_SIGNATURE:
		return keyprov_signatures;
	}
	return NULL;
}

static const OSSL_DISPATCH keyprov_provider[] = {
	{ OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))keyprov_query },
	{ 0, NULL }
};

static int
keyprov_provider_init(const OSSL_CORE_HANDLE *handle,
    const OSSL_DISPATCH *in, const OSSL_DISPATCH **out, void **provctx)
{
	(void)in;
	*out = keyprov_provider;
	*provctx = (void *)handle;
	return 1;
}

int
keyprov_init(void)
{
	if (keyprov_prov != NULL)
		return 0;
	if ((keyprov_libctx = OSSL_LIB_CTX_new()) == NULL)
		return -1;
	if (OSSL_PROVIDER_add_builtin(keyprov_libctx, KEYPROV_NAME,
	    keyprov_provider_init) != 1 ||
	    (keyprov_prov = OSSL_PROVIDER_load(keyprov_libctx,
	    KEYPROV_NAME)) == NULL) {
		OSSL_LIB_CTX_free(keyprov_libctx);
		keyprov_libctx = NULL;
		return -1;
	}
	return 0;
}

void
keyprov_free(void)
{
	OSSL_PROVIDER_unload(keyprov_prov);
	keyprov_prov = NULL;
	OSSL_LIB_CTX_free(keyprov_libctx);
	keyprov_libctx = NULL;
}

static int
keyprov_type(const EVP_PKEY *pub)
{
	int	t;

	/* RSA-PSS keys are "RSA-PSS", not "RSA": not supported. */
	for (t = KEYMSG_EC; t <= KEYMSG_ED448; t++)
		if (EVP_PKEY_is_a(pub, keyprov_types[t]))
			return t;
	return -1;
}

EVP_PKEY *
keyprov_key(EVP_PKEY *pub, int key, const char **errstr)
{
	OSSL_PARAM	*pubparams = NULL, *all = NULL, extra[2];
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 type;

	*errstr = "cannot make a key for the key process";
	if ((type = keyprov_type(pub)) == -1) {
		*errstr = "key type not supported (EC, RSA, Ed25519, Ed448)";
		return NULL;
	}
	extra[0] = OSSL_PARAM_construct_int(KEYPROV_PARAM_KEY, &key);
	extra[1] = OSSL_PARAM_construct_end();
	if (keyprov_prov == NULL ||
	    EVP_PKEY_todata(pub, EVP_PKEY_PUBLIC_KEY, &pubparams) != 1 ||
	    (all = OSSL_PARAM_merge(pubparams, extra)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(keyprov_libctx,
	    keyprov_types[type], NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, all) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(all);
	OSSL_PARAM_free(pubparams);
	return pkey;
}
