/*
 * keyproc.c: the key process, and the key files the parent keeps for it.
 *
 * The key process is forked by the parent after privileges are dropped
 * and before the workers, confines itself (sandbox_keyproc(): no file
 * system, a system call list for little more than its sockets and
 * OpenSSL), then receives the key files over its control socket,
 * parses and checks them, and answers the workers' signing requests,
 * in order, one socket per worker slot.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keymsg.h"
#include "keyproc.h"
#include "log.h"
#include "loop.h"
#include "sandbox.h"

#define KEYPROC_PUB_MAX		4096	/* a SubjectPublicKeyInfo, DER */
#define KEYPROC_KEYHDR		11	/* 'K', key u16, lengths u32 u32 */
#define KEYPROC_MSG_MAX		(KEYPROC_KEYHDR + KEYPROC_FILE_MAX + \
				 KEYPROC_PUB_MAX)
#define KEYPROC_MSG_KEY		'K'	/* parent: one key file */
#define KEYPROC_MSG_END		'E'	/* parent: that was all of them */
#define KEYPROC_MSG_OK		'O'	/* key process: loaded */
#define KEYPROC_MSG_ERR		'X'	/* key process: key u16, reason */
#define KEYPROC_START_MS	10000	/* for the key process's answer */
#define KEYPROC_BATCH		64	/* requests per socket per wakeup */
#define KEYPROC_GRACE_MS	15000	/* after SIGTERM, for the workers */

struct keyproc_file {
	char		 path[CONF_PATH_MAX];
	char		 cert[CONF_PATH_MAX];
	unsigned char	*key;		/* into the region */
	size_t		 keylen;
	unsigned char	*pub;		/* the certificate's, DER */
	size_t		 publen;
};

struct keyproc_files {
	unsigned char		*region;
	size_t			 regionlen;
	int			 n;
	struct keyproc_file	 f[CONF_HOSTS_MAX];
};

/* The parent: reading the files. */

/*
 * Memory for key bytes: not inherited by a fork (the workers are forked
 * from the parent), not in a core dump, not swapped out if the limit on
 * locked memory allows.
 */
static unsigned char *
keyproc_region(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_WIPEONFORK) == -1 &&
	    madvise(p, len, MADV_DONTFORK) == -1) {
		munmap(p, len);
		return NULL;
	}
	(void)madvise(p, len, MADV_DONTDUMP);
	(void)mlock(p, len);
	return p;
}

static int
keyproc_pub(struct keyproc_file *f, char *err, size_t errsize)
{
	unsigned char	*der = NULL;
	X509		*x = NULL;
	FILE		*fp;
	int		 len = -1;

	if ((fp = fopen(f->cert, "re")) == NULL) {
		snprintf(err, errsize, "%s: %s", f->cert, strerror(errno));
		return -1;
	}
	if ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL &&
	    X509_get0_pubkey(x) != NULL)
		len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
	fclose(fp);
	X509_free(x);
	if (len <= 0 || len > KEYPROC_PUB_MAX) {
		snprintf(err, errsize, "%s: no certificate with a public key",
		    f->cert);
		OPENSSL_free(der);
		ERR_clear_error();
		return -1;
	}
	f->pub = der;
	f->publen = (size_t)len;
	return 0;
}

/* Open the key file, check it is one, and say how long it is. */
static int
keyproc_open(const char *path, size_t *len, char *err, size_t errsize)
{
	struct stat	sb;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size < 1 ||
	    sb.st_size > KEYPROC_FILE_MAX) {
		snprintf(err, errsize, "%s: not a key file (empty, too large "
		    "or not a regular file)", path);
		close(fd);
		return -1;
	}
	*len = (size_t)sb.st_size;
	return fd;
}

/* Straight into the region: no stdio buffer keeps a copy. */
static int
keyproc_slurp(int fd, unsigned char *dst, size_t len)
{
	ssize_t	n;
	size_t	got = 0;
	char	more;

	while (got < len) {
		n = read(fd, dst + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return read(fd, &more, 1) == 0 ? 0 : -1;
}

struct keyproc_files *
keyproc_read(const struct conf *conf, char *err, size_t errsize)
{
	struct keyproc_files	*kf;
	int			 fds[CONF_HOSTS_MAX], i, n = 0;
	size_t			 off = 0;

	if ((kf = calloc(1, sizeof(*kf))) == NULL) {
		snprintf(err, errsize, "key files: %s", strerror(errno));
		return NULL;
	}
	for (; n < conf->nhosts; n++) {
		snprintf(kf->f[n].path, CONF_PATH_MAX, "%s", conf->hosts[n].key);
		snprintf(kf->f[n].cert, CONF_PATH_MAX, "%s",
		    conf->hosts[n].cert);
		kf->n = n + 1;
		if (keyproc_pub(&kf->f[n], err, errsize) == -1 ||
		    (fds[n] = keyproc_open(kf->f[n].path, &kf->f[n].keylen,
		    err, errsize)) == -1)
			goto fail;
		kf->regionlen += kf->f[n].keylen;
	}
	if ((kf->region = keyproc_region(kf->regionlen)) == NULL) {
		snprintf(err, errsize, "memory for keys: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		kf->f[i].key = kf->region + off;
		off += kf->f[i].keylen;
		if (keyproc_slurp(fds[i], kf->f[i].key, kf->f[i].keylen) ==
		    -1) {
			snprintf(err, errsize, "%s: changed while being read",
			    kf->f[i].path);
			goto fail;
		}
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return kf;
fail:
	/* fds[0..n) are open, and fds[n] if it was the public key that
	 * failed: keyproc_open() was not reached, so it is not. */
	for (i = 0; i < n; i++)
		close(fds[i]);
	keyproc_files_free(kf);
	return NULL;
}

void
keyproc_files_free(struct keyproc_files *kf)
{
	int	i;

	if (kf == NULL)
		return;
	if (kf->region != NULL) {
		OPENSSL_cleanse(kf->region, kf->regionlen);
		munmap(kf->region, kf->regionlen);
	}
	for (i = 0; i < kf->n; i++)
		OPENSSL_free(kf->f[i].pub);
	free(kf);
}

/* Parsing and checking. */

/* An encrypted key would make OpenSSL ask on the terminal: refuse. */
static int
keyproc_nopass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static const char *
keyproc_errstr(void)
{
	static char	buf[200];
	unsigned long	e = ERR_get_error();

	if (e == 0)
		return "not a PEM private key";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* One key from its file's bytes, checked against the certificate's
 * public key (DER).  NULL with err. */
static EVP_PKEY *
keyproc_parse(const unsigned char *key, size_t keylen,
    const unsigned char *pub, size_t publen, const char **err)
{
	EVP_PKEY	*k = NULL, *p = NULL;
	BIO		*b;

	if ((b = BIO_new_mem_buf(key, (int)keylen)) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	k = PEM_read_bio_PrivateKey(b, NULL, keyproc_nopass, NULL);
	BIO_free(b);
	if (k == NULL) {
		*err = keyproc_errstr();
		return NULL;
	}
	if ((p = d2i_PUBKEY(NULL, &pub, (long)publen)) == NULL ||
	    EVP_PKEY_eq(k, p) != 1) {
		*err = "does not match its certificate";
		EVP_PKEY_free(k);
		k = NULL;
	}
	EVP_PKEY_free(p);
	ERR_clear_error();
	return k;
}

int
keyproc_load(const struct keyproc_files *kf, struct keyproc_keys *keys,
    char *err, size_t errsize)
{
	const char	*why;
	EVP_PKEY	*k;
	int		 i;

	if (keys != NULL)
		memset(keys, 0, sizeof(*keys));
	for (i = 0; i < kf->n; i++) {
		k = keyproc_parse(kf->f[i].key, kf->f[i].keylen, kf->f[i].pub,
		    kf->f[i].publen, &why);
		if (k == NULL) {
			snprintf(err, errsize, "%s: %s", kf->f[i].path, why);
			if (keys != NULL)
				keyproc_keys_free(keys);
			return -1;
		}
		if (keys != NULL)
			keys->key[keys->n++] = k;
		else
			EVP_PKEY_free(k);
	}
	return 0;
}

void
keyproc_keys_free(struct keyproc_keys *keys)
{
	int	i, j;

	for (i = 0; i < keys->n; i++) {
		for (j = 0; j < KEYMSG_NSCHEMES; j++)
			EVP_PKEY_CTX_free(keys->ctx[i][j]);
		EVP_PKEY_free(keys->key[i]);	/* clears the private part */
	}
	memset(keys, 0, sizeof(*keys));
}

/* Signing. */

static int
keyproc_type_ok(EVP_PKEY *k, int keytype)
{
	switch (keytype) {
	case KEYMSG_EC:
		return EVP_PKEY_is_a(k, "EC");
	case KEYMSG_RSA:
		return EVP_PKEY_is_a(k, "RSA");
	case KEYMSG_ED25519:
		return EVP_PKEY_is_a(k, "ED25519");
	case KEYMSG_ED448:
		return EVP_PKEY_is_a(k, "ED448");
	}
	return 0;
}

/* EdDSA signs the message itself: no digest first, no context kept. */
static int
keyproc_sign_eddsa(EVP_PKEY *k, const unsigned char *tbs, size_t tbslen,
    unsigned char *sig, size_t *siglen)
{
	EVP_MD_CTX	*mctx;
	int		 ok;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, k,
	    NULL) == 1 && EVP_DigestSign(mctx, sig, siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(mctx);
	return ok ? 0 : -1;
}

/*
 * ECDSA and RSA: a context per key and scheme, set up once (its fetches
 * and padding cost a tenth of a P-256 signature when repeated), then a
 * digest and EVP_PKEY_sign() for each request.
 */
static EVP_MD *
keyproc_md(int bits)
{
	static EVP_MD	*mds[4];		/* SHA-224 ... SHA-512 */
	char		 name[16];
	int		 i = bits == 224 ? 0 : bits == 256 ? 1 :
			    bits == 384 ? 2 : 3;

	if (mds[i] == NULL) {
		snprintf(name, sizeof(name), "SHA2-%d", bits);
		mds[i] = EVP_MD_fetch(NULL, name, NULL);
	}
	return mds[i];
}

static EVP_PKEY_CTX *
keyproc_signer(struct keyproc_keys *keys, int key,
    const struct keymsg_scheme *s)
{
	EVP_PKEY_CTX	**slot = &keys->ctx[key][keymsg_scheme_index(s)];
	EVP_PKEY_CTX	 *ctx;

	if (*slot != NULL)
		return *slot;
	if (keyproc_md(s->mdbits) == NULL || (ctx =
	    EVP_PKEY_CTX_new_from_pkey(NULL, keys->key[key], NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, keyproc_md(s->mdbits)) != 1 ||
	    (s->keytype == KEYMSG_RSA &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, s->pss ?
	    RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1 ||
	    (s->pss && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx,
	    RSA_PSS_SALTLEN_DIGEST) != 1)))) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return *slot = ctx;
}

static int
keyproc_sign(struct keyproc_keys *keys, int key,
    const struct keymsg_scheme *s, const unsigned char *tbs, size_t tbslen,
    unsigned char *sig, size_t *siglen)
{
	unsigned char	 dgst[EVP_MAX_MD_SIZE];
	unsigned int	 dlen;
	EVP_PKEY_CTX	*ctx;
	int		 ok;

	if (s->mdbits == 0)
		ok = keyproc_sign_eddsa(keys->key[key], tbs, tbslen, sig,
		    siglen) == 0;
	else
		ok = (ctx = keyproc_signer(keys, key, s)) != NULL &&
		    EVP_Digest(tbs, tbslen, dgst, &dlen,
		    keyproc_md(s->mdbits), NULL) == 1 &&
		    EVP_PKEY_sign(ctx, sig, siglen, dgst, dlen) == 1;
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* At most one line a second about workers' bad requests. */
static void
keyproc_complain(const char *why)
{
	static time_t	last;
	time_t		now = time(NULL);

	if (now != last)
		log_warnx("request refused: %s", why);
	last = now;
}

/* Sign request m: NULL, or why not. */
static const char *
keyproc_request(struct keyproc_keys *keys, const struct keymsg *m,
    unsigned char *sig, size_t *siglen)
{
	const struct keymsg_scheme	*s;

	if (m->type != KEYMSG_SIGN)
		return "not a signing request";
	if (m->key >= keys->n)
		return "no such key";
	s = keymsg_scheme(m->scheme);	/* known: keymsg_parse() checked */
	if (!keyproc_type_ok(keys->key[m->key], s->keytype))
		return "a scheme for another type of key";
	if (keyproc_sign(keys, m->key, s, m->body, m->bodylen, sig,
	    siglen) == -1)
		return "OpenSSL could not sign";
	return NULL;
}

size_t
keyproc_answer(struct keyproc_keys *keys, const unsigned char *req,
    size_t reqlen, unsigned char *rep, size_t repsize)
{
	unsigned char	 sig[KEYMSG_SIG_MAX];
	struct keymsg	 m, a;
	const char	*why = "truncated";
	size_t		 siglen = sizeof(sig);

	if (reqlen < KEYMSG_HEADER) {
		keyproc_complain(why);
		return 0;		/* no id to answer */
	}
	if (keymsg_parse(req, reqlen, &m, &why) == (ssize_t)reqlen)
		why = keyproc_request(keys, &m, sig, &siglen);
	memset(&a, 0, sizeof(a));
	a.id = m.id;		/* the header is read even when invalid */
	if (why != NULL) {
		keyproc_complain(why);
		a.type = KEYMSG_FAILED;
	} else {
		a.type = KEYMSG_SIGNATURE;
		a.body = sig;
		a.bodylen = siglen;
	}
	return keymsg_encode(rep, repsize, &a);
}

/* The parent: starting a key process. */

static void
keyproc_put32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One message per key: 'K', key u16, lengths u32 u32, key, public key;
 * then 'E'.  Sent from the region, not copied. */
static int
keyproc_send_keys(int ctl, const struct keyproc_files *kf)
{
	unsigned char	hdr[KEYPROC_KEYHDR];
	struct iovec	iov[3];
	int		i;

	for (i = 0; i < kf->n; i++) {
		hdr[0] = KEYPROC_MSG_KEY;
		hdr[1] = (unsigned char)(i >> 8);
		hdr[2] = (unsigned char)i;
		keyproc_put32(hdr + 3, kf->f[i].keylen);
		keyproc_put32(hdr + 7, kf->f[i].publen);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof(hdr);
		iov[1].iov_base = kf->f[i].key;
		iov[1].iov_len = kf->f[i].keylen;
		iov[2].iov_base = kf->f[i].pub;
		iov[2].iov_len = kf->f[i].publen;
		if (helper_send(ctl, iov, 3, -1) == -1)
			return -1;
	}
	hdr[0] = KEYPROC_MSG_END;
	iov[0].iov_len = 1;
	return helper_send(ctl, iov, 1, -1);
}

int
keyproc_start(struct helper *h, const struct keyproc_files *kf, char *err,
    size_t errsize)
{
	char	buf[256];
	ssize_t	n = -1;
	int	fd, i;

	if (helper_start(h) == -1) {
		snprintf(err, errsize, "key process: %s", strerror(errno));
		return -1;
	}
	if (keyproc_send_keys(h->ctl, kf) == 0)
		n = helper_recv(h->ctl, buf, sizeof(buf) - 1, &fd,
		    KEYPROC_START_MS);
	if (n <= 0) {
		snprintf(err, errsize, "key process: %s", n == 0 ?
		    "exited while loading the keys" : strerror(errno));
		return -1;
	}
	if (fd != -1)
		close(fd);
	buf[n] = '\0';
	if (buf[0] == KEYPROC_MSG_OK)
		return 0;
	i = n >= 3 ? (unsigned char)buf[1] << 8 | (unsigned char)buf[2] : -1;
	if (buf[0] == KEYPROC_MSG_ERR && i >= 0 && i < kf->n)
		snprintf(err, errsize, "%s: %s", kf->f[i].path, buf + 3);
	else
		snprintf(err, errsize, "key process: a bad answer");
	return -1;
}

/* The key process. */

static struct keyproc_keys	 keyproc_keys;
static struct loop		*keyproc_loop;
static struct loop_ev		 keyproc_evs[HELPER_WORKERS_MAX];
static struct loop_ev		 keyproc_ctlev;
static int			 keyproc_nopen;
static int			 keyproc_retired;
static volatile sig_atomic_t	 keyproc_term;
static long long		 keyproc_deadline;

static long long
keyproc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
keyproc_reply(int ctl, int key, const char *why)
{
	unsigned char	buf[256];
	struct iovec	iov;
	size_t		len = 1;

	buf[0] = why == NULL ? KEYPROC_MSG_OK : KEYPROC_MSG_ERR;
	if (why != NULL) {
		buf[1] = (unsigned char)(key >> 8);
		buf[2] = (unsigned char)key;
		len = 3 + (size_t)snprintf((char *)buf + 3, sizeof(buf) - 3,
		    "%s", why);
		if (len > sizeof(buf) - 1)
			len = sizeof(buf) - 1;
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	(void)helper_send(ctl, &iov, 1, -1);
}

/* One key message: NULL, or why it is refused. */
static const char *
keyproc_take(const unsigned char *buf, size_t n, int *key)
{
	const char	*why;
	EVP_PKEY	*k;
	size_t		 keylen, publen;

	if (n < KEYPROC_KEYHDR || buf[0] != KEYPROC_MSG_KEY)
		return "a bad message from the parent";
	*key = buf[1] << 8 | buf[2];
	keylen = (size_t)buf[3] << 24 | (size_t)buf[4] << 16 |
	    (size_t)buf[5] << 8 | buf[6];
	publen = (size_t)buf[7] << 24 | (size_t)buf[8] << 16 |
	    (size_t)buf[9] << 8 | buf[10];
	if (*key != keyproc_keys.n || *key >= CONF_HOSTS_MAX ||
	    keylen > KEYPROC_FILE_MAX || publen > KEYPROC_PUB_MAX ||
	    KEYPROC_KEYHDR + keylen + publen != n)
		return "a bad message from the parent";
	k = keyproc_parse(buf + KEYPROC_KEYHDR, keylen,
	    buf + KEYPROC_KEYHDR + keylen, publen, &why);
	if (k == NULL)
		return why;
	keyproc_keys.key[keyproc_keys.n++] = k;
	return NULL;
}

/* Receive every key: NULL, or why not all of them are loaded (and
 * *key which). */
static const char *
keyproc_receive(int ctl, int *key)
{
	unsigned char	*buf;
	const char	*why = "the parent went away";
	ssize_t		 n;
	int		 fd;

	if ((buf = malloc(KEYPROC_MSG_MAX)) == NULL)
		fatal("key buffer");
	while ((n = helper_recv(ctl, buf, KEYPROC_MSG_MAX, &fd, -1)) > 0) {
		if (fd != -1)
			close(fd);
		if (buf[0] == KEYPROC_MSG_END) {
			why = NULL;
			break;
		}
		why = keyproc_take(buf, (size_t)n, key);
		OPENSSL_cleanse(buf, (size_t)n);
		if (why != NULL)
			break;
	}
	free(buf);
	return why;
}

/* Requests sent to a key process before us will not be answered. */
static void
keyproc_hello(const int *fds, int nfds)
{
	unsigned char	buf[KEYMSG_HEADER];
	struct keymsg	m;
	size_t		len;
	int		i;

	memset(&m, 0, sizeof(m));
	m.type = KEYMSG_HELLO;
	len = keymsg_encode(buf, sizeof(buf), &m);
	for (i = 0; i < nfds; i++)
		(void)send(fds[i], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
keyproc_maybe_stop(void)
{
	if (keyproc_nopen == 0 && (keyproc_retired || keyproc_term))
		loop_stop(keyproc_loop);
}

static void
keyproc_gone(int fd, struct loop_ev *ev)
{
	loop_del(keyproc_loop, ev);
	close(fd);
	keyproc_nopen--;
	keyproc_maybe_stop();
}

/*
 * A worker's socket: answer what it asked, in order.  One recvmmsg()
 * takes every request waiting and one sendmmsg() returns the answers:
 * a switch between the worker and us costs more than the calls
 * themselves (an address space each), so a burst of handshakes should
 * cost one wakeup of each side, not one per handshake.
 */
static void
keyproc_serve(int fd, int events, void *arg)
{
	static unsigned char	 req[KEYPROC_BATCH][KEYMSG_HEADER +
				    KEYMSG_TBS_MAX];
	static unsigned char	 rep[KEYPROC_BATCH][KEYMSG_MAX];
	struct mmsghdr		 in[KEYPROC_BATCH], out[KEYPROC_BATCH];
	struct iovec		 iin[KEYPROC_BATCH], iout[KEYPROC_BATCH];
	size_t			 len;
	int			 i, n, m = 0, eof = 0;

	(void)events;
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (i = 0; i < KEYPROC_BATCH; i++) {
		iin[i].iov_base = req[i];
		iin[i].iov_len = sizeof(req[i]);
		in[i].msg_hdr.msg_iov = &iin[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, in, KEYPROC_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of file reads as empty messages: its worker is gone. */
	for (i = 0; i < n && !eof; i++) {
		if ((eof = in[i].msg_len == 0))
			break;
		len = keyproc_answer(&keyproc_keys, req[i],
		    (in[i].msg_hdr.msg_flags & MSG_TRUNC) ? sizeof(req[i]) :
		    in[i].msg_len, rep[m], sizeof(rep[m]));
		if (len == 0)
			continue;
		iout[m].iov_base = rep[m];
		iout[m].iov_len = len;
		out[m].msg_hdr.msg_iov = &iout[m];
		out[m].msg_hdr.msg_iovlen = 1;
		m++;
	}
	if (m > 0 && sendmmsg(fd, out, (unsigned)m, MSG_DONTWAIT |
	    MSG_NOSIGNAL) != m)
		keyproc_complain("a worker does not take its answers");
	if (n <= 0 || eof)
		keyproc_gone(fd, arg);
}

/* The parent: a new log file, or it let go of us (end of file). */
static void
keyproc_control(int fd, int events, void *arg)
{
	(void)events;
	(void)arg;
	if (helper_control(fd) == 0)
		return;
	loop_del(keyproc_loop, &keyproc_ctlev);
	close(fd);
	keyproc_retired = 1;
	keyproc_maybe_stop();
}

static void
keyproc_signal(int sig)
{
	(void)sig;
	keyproc_term = 1;
}

/* SIGTERM: the workers finish their handshakes, then we go. */
static void
keyproc_tick(void *arg)
{
	(void)arg;
	if (!keyproc_term)
		return;
	if (keyproc_deadline == 0)
		keyproc_deadline = keyproc_now_ms() + KEYPROC_GRACE_MS;
	if (keyproc_now_ms() >= keyproc_deadline)
		loop_stop(keyproc_loop);
	keyproc_maybe_stop();
}

/*
 * SCHED_BATCH: a request does not preempt the worker that sent it, so
 * the worker sends the requests of all the handshakes it has at hand
 * and we sign them in one go when it waits.  Measured with both on one
 * core (tests/bench/compare.sh, 2 KB page, c=64, 20 pairs): 0.97 times
 * the server's CPU per request of the same build without it, and 0.6
 * rather than 0.9 preemptions of the worker per request.
 */
static void
keyproc_batch(void)
{
	struct sched_param	sp;

	memset(&sp, 0, sizeof(sp));
	if (sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
		log_warn("SCHED_BATCH");
}

static void
keyproc_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = keyproc_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
keyproc_run(int ctl, const int *fds, int nfds, void *arg)
{
	const char	*why;
	int		 i, key = 0;

	(void)arg;
	keyproc_signals();
	keyproc_batch();
	if ((keyproc_loop = loop_new()) == NULL)
		fatal("loop_new");
	sandbox_keyproc();
	why = keyproc_receive(ctl, &key);
	/* Before the parent hears from us: it starts the workers then,
	 * and each drains its socket of this hello once. */
	if (why == NULL)
		keyproc_hello(fds, nfds);
	keyproc_reply(ctl, key, why);
	if (why != NULL)
		return 1;
	for (i = 0; i < nfds; i++) {
		if (loop_add(keyproc_loop, &keyproc_evs[i], fds[i], LOOP_READ,
		    keyproc_serve, &keyproc_evs[i]) == -1)
			fatal("loop_add");
		keyproc_nopen++;
	}
	if (loop_add(keyproc_loop, &keyproc_ctlev, ctl, LOOP_READ,
	    keyproc_control, NULL) == -1)
		fatal("loop_add");
	loop_set_hooks(keyproc_loop, 250, keyproc_tick, NULL, NULL);
	log_debug("%d key%s loaded", keyproc_keys.n,
	    keyproc_keys.n == 1 ? "" : "s");
	if (loop_run(keyproc_loop) == -1)
		log_warn("event loop");
	loop_free(keyproc_loop);
	keyproc_keys_free(&keyproc_keys);
	return 0;
}

const struct helper_role keyproc_role = {
	"key process", "capsuled-keys", keyproc_run
};
