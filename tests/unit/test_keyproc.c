/*
 * test_keyproc.c: what the key process answers, and how it loads keys.
 *
 * Every scheme it offers is asked for with a TLS 1.3 and a TLS 1.2
 * structure, and each signature is verified with the public key as a
 * TLS client would (digest, padding, salt length); requests it must
 * refuse get KEYMSG_FAILED with their id.  Key files go through
 * keyproc_read() and keyproc_load() as the server reads them.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "certgen.h"
#include "conf.h"
#include "keymsg.h"
#include "keyproc.h"
#include "test.h"

#define CTX	"TLS 1.3, server CertificateVerify"

static char	tmpdir[] = "/tmp/test_keyproc.XXXXXX";

static size_t
tls13(unsigned char *p)
{
	memset(p, ' ', 64);
	memcpy(p + 64, CTX, sizeof(CTX));
	memset(p + 64 + sizeof(CTX), 0x42, 48);
	return 64 + sizeof(CTX) + 48;
}

static size_t
tls12(unsigned char *p)
{
	memset(p, 0x17, 64);
	memcpy(p + 64, "\x03\x00\x1d\x20", 4);
	memset(p + 68, 0x99, 32);
	return 100;
}

/* Verify sig over tbs by scheme s, as the client does. */
static int
verify(EVP_PKEY *k, const struct keymsg_scheme *s, const unsigned char *tbs,
    size_t tbslen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*m = EVP_MD_CTX_new();
	EVP_PKEY_CTX	*p = NULL;
	char		 md[16];
	int		 ok;

	snprintf(md, sizeof(md), "SHA2-%d", s->mdbits);
	ok = EVP_DigestVerifyInit_ex(m, &p, s->mdbits ? md : NULL, NULL,
	    NULL, k, NULL) == 1;
	if (ok && s->keytype == KEYMSG_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(p, s->pss ?
		    RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1 &&
		    (!s->pss || EVP_PKEY_CTX_set_rsa_pss_saltlen(p,
		    RSA_PSS_SALTLEN_DIGEST) == 1);
	ok = ok && EVP_DigestVerify(m, sig, siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

/* Ask key `key` to sign tbs by scheme; the answer parsed into a. */
static void
ask(struct keyproc_keys *keys, int key, uint16_t scheme,
    const unsigned char *tbs, size_t tbslen, uint64_t id, unsigned char *rep,
    struct keymsg *a)
{
	unsigned char	 req[KEYMSG_MAX];
	struct keymsg	 m;
	const char	*err;
	size_t		 len, n;

	memset(&m, 0, sizeof(m));
	m.type = KEYMSG_SIGN;
	m.key = (uint16_t)key;
	m.scheme = scheme;
	m.id = id;
	m.body = tbs;
	m.bodylen = tbslen;
	len = keymsg_encode(req, sizeof(req), &m);
	n = keyproc_answer(keys, req, len, rep, KEYMSG_MAX);
	memset(a, 0, sizeof(*a));
	if (n == 0 || keymsg_parse(rep, n, a, &err) != (ssize_t)n)
		a->type = 0;
}

static const struct {
	int		 key;		/* 0 EC, 1 RSA, 2 Ed25519, 3 Ed448 */
	uint16_t	 scheme;
	int		 tls12only;
} schemes[] = {
	{ 0, 0x0403, 0 }, { 0, 0x0503, 0 }, { 0, 0x0603, 0 }, { 0, 0x0303, 1 },
	{ 1, 0x0804, 0 }, { 1, 0x0805, 0 }, { 1, 0x0806, 0 },
	{ 1, 0x0401, 1 }, { 1, 0x0501, 1 }, { 1, 0x0601, 1 }, { 1, 0x0301, 1 },
	{ 2, 0x0807, 0 }, { 3, 0x0808, 0 },
};

static void
test_signatures(struct keyproc_keys *keys)
{
	unsigned char	 tbs[2][KEYMSG_TBS_MAX], rep[KEYMSG_MAX];
	size_t		 tbslen[2], i, t;
	struct keymsg	 a;
	char		 why[80];

	tbslen[0] = tls13(tbs[0]);
	tbslen[1] = tls12(tbs[1]);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		for (t = schemes[i].tls12only; t < 2; t++) {
			ask(keys, schemes[i].key, schemes[i].scheme, tbs[t],
			    tbslen[t], 1000 + i, rep, &a);
			snprintf(why, sizeof(why), "scheme %04x, TLS 1.%d: "
			    "signed, and verifies", schemes[i].scheme,
			    t == 0 ? 3 : 2);
			CHECK(a.type == KEYMSG_SIGNATURE && a.id == 1000 + i &&
			    verify(keys->key[schemes[i].key],
			    keymsg_scheme(schemes[i].scheme), tbs[t],
			    tbslen[t], a.body, a.bodylen), why);
		}
	/* The context made on first use is used again. */
	ask(keys, 1, 0x0804, tbs[0], tbslen[0], 7, rep, &a);
	CHECK(a.type == KEYMSG_SIGNATURE && verify(keys->key[1],
	    keymsg_scheme(0x0804), tbs[0], tbslen[0], a.body, a.bodylen),
	    "a second RSA-PSS signature with the kept context");
}

static void
test_refusals(struct keyproc_keys *keys)
{
	unsigned char	 tbs[KEYMSG_TBS_MAX], rep[KEYMSG_MAX], req[64];
	struct keymsg	 a;
	size_t		 len = tls13(tbs);
	const char	*err;
	ssize_t		 n;

	ask(keys, 0, 0x0804, tbs, len, 11, rep, &a);
	CHECK(a.type == KEYMSG_FAILED && a.id == 11,
	    "an RSA scheme for the EC key fails, with the request's id");
	ask(keys, 1, 0x0403, tbs, len, 12, rep, &a);
	CHECK(a.type == KEYMSG_FAILED && a.id == 12,
	    "an ECDSA scheme for the RSA key fails");
	ask(keys, 2, 0x0808, tbs, len, 13, rep, &a);
	CHECK(a.type == KEYMSG_FAILED, "Ed448 for the Ed25519 key fails");
	ask(keys, 4, 0x0403, tbs, len, 14, rep, &a);
	CHECK(a.type == KEYMSG_FAILED && a.id == 14, "no key 4: fails");
	/* A header that names an id, then a body that is no TLS structure. */
	memset(req, 0, sizeof(req));
	req[0] = KEYMSG_SIGN;
	req[5] = 0x03;
	req[4] = 0x04;
	req[7] = 40;
	req[15] = 15;
	n = (ssize_t)keyproc_answer(keys, req, 16 + 40, rep, sizeof(rep));
	CHECK(n > 0 && keymsg_parse(rep, (size_t)n, &a, &err) == n &&
	    a.type == KEYMSG_FAILED && a.id == 15,
	    "not a TLS structure: fails, with the id");
	CHECK(keyproc_answer(keys, req, 10, rep, sizeof(rep)) == 0,
	    "less than a header: nothing to answer");
	req[0] = KEYMSG_HELLO;
	req[4] = req[5] = req[7] = 0;
	n = (ssize_t)keyproc_answer(keys, req, 16, rep, sizeof(rep));
	CHECK(n > 0 && keymsg_parse(rep, (size_t)n, &a, &err) == n &&
	    a.type == KEYMSG_FAILED, "not a request: fails");
}

static void
write_file(const char *path, const char *data)
{
	int	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, data, strlen(data)) !=
	    (ssize_t)strlen(data)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static void
copy_file(const char *from, const char *to)
{
	char	buf[8192];
	int	in = open(from, O_RDONLY), n;

	n = in == -1 ? -1 : (int)read(in, buf, sizeof(buf) - 1);
	if (n < 0) {
		perror(from);
		exit(2);
	}
	buf[n] = '\0';
	close(in);
	write_file(to, buf);
}

/* A one-host configuration naming cert and key. */
static struct conf *
one_host(const char *cert, const char *key)
{
	static struct conf	conf;

	conf_init(&conf);
	conf.nhosts = 1;
	snprintf(conf.hosts[0].name, sizeof(conf.hosts[0].name), "localhost");
	snprintf(conf.hosts[0].cert, sizeof(conf.hosts[0].cert), "%s", cert);
	snprintf(conf.hosts[0].key, sizeof(conf.hosts[0].key), "%s", key);
	return &conf;
}

static void
test_files(void)
{
	struct keyproc_files	*kf;
	struct keyproc_keys	 keys;
	char			 cert[96], key[96], key2[96], cert2[96];
	char			 err[512];

	snprintf(cert, sizeof(cert), "%s/a.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/a.key", tmpdir);
	snprintf(cert2, sizeof(cert2), "%s/b.pem", tmpdir);
	snprintf(key2, sizeof(key2), "%s/b.key", tmpdir);
	if (certgen_create("localhost", cert, key, err, sizeof(err)) == -1 ||
	    certgen_create("localhost", cert2, key2, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	kf = keyproc_read(one_host(cert, key), err, sizeof(err));
	CHECK(kf != NULL, "a key file and its certificate are read");
	CHECK(kf != NULL && keyproc_load(kf, &keys, err, sizeof(err)) == 0 &&
	    keys.n == 1 && EVP_PKEY_is_a(keys.key[0], "EC"),
	    "and the key loads");
	if (kf != NULL && keys.n == 1)
		keyproc_keys_free(&keys);
	keyproc_files_free(kf);

	kf = keyproc_read(one_host(cert, key2), err, sizeof(err));
	CHECK(kf != NULL && keyproc_load(kf, NULL, err, sizeof(err)) == -1 &&
	    strstr(err, "b.key: does not match its certificate") != NULL,
	    "another certificate's key is refused, naming the file");
	keyproc_files_free(kf);

	copy_file(cert, key2);
	kf = keyproc_read(one_host(cert, key2), err, sizeof(err));
	CHECK(kf != NULL && keyproc_load(kf, NULL, err, sizeof(err)) == -1 &&
	    strstr(err, "b.key: ") != NULL,
	    "a certificate where the key should be is refused");
	keyproc_files_free(kf);

	write_file(key2, "");
	CHECK(keyproc_read(one_host(cert, key2), err, sizeof(err)) == NULL &&
	    strstr(err, "not a key file") != NULL, "an empty key file");
	unlink(key2);
	CHECK(keyproc_read(one_host(cert, key2), err, sizeof(err)) == NULL &&
	    strstr(err, "No such file") != NULL, "a missing key file");
	CHECK(keyproc_read(one_host(key, key), err, sizeof(err)) == NULL &&
	    strstr(err, "no certificate") != NULL,
	    "a key where the certificate should be");
	unlink(cert);
	unlink(key);
	unlink(cert2);
}

int
main(void)
{
	struct keyproc_keys	keys;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	memset(&keys, 0, sizeof(keys));
	keys.key[0] = EVP_EC_gen("P-256");
	keys.key[1] = EVP_RSA_gen(2048);
	keys.key[2] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	keys.key[3] = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	keys.n = 4;
	if (!keys.key[0] || !keys.key[1] || !keys.key[2] || !keys.key[3]) {
		fprintf(stderr, "key generation failed\n");
		return 2;
	}
	test_signatures(&keys);
	test_refusals(&keys);
	keyproc_keys_free(&keys);
	test_files();
	rmdir(tmpdir);
	return test_done("keyproc");
}
