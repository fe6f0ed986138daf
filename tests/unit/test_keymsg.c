/* test_keymsg.c: the messages between workers and the key process. */
#include <sys/types.h>

#include "test.h"
#include "keymsg.h"

#define CTX	"TLS 1.3, server CertificateVerify"

/* The body of a request, built from parts. */
enum body {
	B_TLS13_32,		/* a TLS 1.3 CertificateVerify, SHA-256 */
	B_TLS13_48,		/* ... SHA-384 transcript */
	B_TLS13_64,		/* ... a 64-byte hash: no suite has it */
	B_TLS13_CLIENT,		/* the client's context string */
	B_TLS13_TAB,		/* a tab among the 64 spaces */
	B_TLS12_X25519,		/* randoms, named curve 29, 32-byte point */
	B_TLS12_P256,		/* randoms, named curve 23, 65-byte point */
	B_TLS12_EXPLICIT,	/* curve_type 1 (explicit prime) */
	B_TLS12_EMPTY,		/* a zero-length point */
	B_TLS12_LONG,		/* a byte after the point */
	B_TLS12_SHORT,		/* the point cut short */
	B_TLS12_GROUP,		/* a group no one offers (a certificate's
				   bytes can be shaped so) */
	B_TLS12_P256_X,		/* P-256 with an X25519-sized point */
	B_TLS12_P256_COMP,	/* P-256, a compressed point's first byte */
	B_X509,			/* what a certificate's TBS starts with */
	B_EMPTY
};

static size_t
body(enum body b, unsigned char *p)
{
	size_t	n = 0, ctx = sizeof(CTX);

	switch (b) {
	case B_TLS13_32:
	case B_TLS13_48:
	case B_TLS13_64:
	case B_TLS13_CLIENT:
	case B_TLS13_TAB:
		memset(p, ' ', 64);
		if (b == B_TLS13_TAB)
			p[63] = '\t';
		memcpy(p + 64, b == B_TLS13_CLIENT ?
		    "TLS 1.3, client CertificateVerify" : CTX, ctx);
		n = b == B_TLS13_48 ? 48 : b == B_TLS13_64 ? 64 : 32;
		memset(p + 64 + ctx, 0xab, n);
		return 64 + ctx + n;
	case B_TLS12_X25519:
	case B_TLS12_P256:
	case B_TLS12_EXPLICIT:
	case B_TLS12_EMPTY:
	case B_TLS12_LONG:
	case B_TLS12_SHORT:
	case B_TLS12_GROUP:
	case B_TLS12_P256_X:
	case B_TLS12_P256_COMP:
		memset(p, 0x5a, 64);
		p[64] = b == B_TLS12_EXPLICIT ? 1 : 3;
		p[65] = b == B_TLS12_GROUP ? 0x0c : 0;
		p[66] = b == B_TLS12_P256 || b == B_TLS12_P256_X ||
		    b == B_TLS12_P256_COMP ? 23 : 29;
		n = b == B_TLS12_P256 || b == B_TLS12_P256_COMP ? 65 :
		    b == B_TLS12_EMPTY ? 0 : 32;
		p[67] = (unsigned char)n;
		memset(p + 68, b == B_TLS12_P256_COMP ? 0x02 : 0x04, n);
		if (b == B_TLS12_LONG)
			p[68 + n++] = 0;
		if (b == B_TLS12_SHORT)
			n--;
		return 68 + n;
	case B_X509:
		memcpy(p, "\x30\x82\x01\x0a\xa0\x03\x02\x01\x02", 9);
		memset(p + 9, 0x11, 91);
		return 100;
	case B_EMPTY:
		return 0;
	}
	return 0;
}

static const struct {
	int		 type;
	uint16_t	 key, scheme;
	enum body	 body;
	int		 ok;
	const char	*why;
} cases[] = {
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS13_32, 1, "TLS 1.3 ECDSA P-256" },
	{ KEYMSG_SIGN, 3, 0x0804, B_TLS13_48, 1,
	  "TLS 1.3 RSA-PSS, SHA-384 transcript, key 3" },
	{ KEYMSG_SIGN, 0, 0x0807, B_TLS13_32, 1, "TLS 1.3 Ed25519" },
	{ KEYMSG_SIGN, 0, 0x0401, B_TLS12_X25519, 1,
	  "TLS 1.2 RSA PKCS #1, X25519 share" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_P256, 1, "TLS 1.2 ECDSA, P-256 share" },
	{ KEYMSG_SIGN, 0, 0x0401, B_TLS13_32, 0,
	  "PKCS #1 v1.5 is not allowed in TLS 1.3 (RFC 8446 4.4.3)" },
	{ KEYMSG_SIGN, 0, 0x0201, B_TLS12_X25519, 0, "SHA-1 is unknown" },
	{ KEYMSG_SIGN, 0, 0x0809, B_TLS13_32, 0, "RSA-PSS keys unsupported" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS13_64, 0, "no suite hashes to 64" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS13_CLIENT, 0,
	  "a server never signs the client's CertificateVerify" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS13_TAB, 0, "64 spaces exactly" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_EXPLICIT, 0,
	  "named curves only" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_EMPTY, 0, "a point has a byte" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_LONG, 0,
	  "nothing after the point" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_SHORT, 0, "the whole point" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_GROUP, 0,
	  "only the groups OpenSSL offers" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_P256_X, 0,
	  "a P-256 point is 65 bytes" },
	{ KEYMSG_SIGN, 0, 0x0403, B_TLS12_P256_COMP, 0,
	  "and uncompressed (0x04)" },
	{ KEYMSG_SIGN, 0, 0x0401, B_X509, 0,
	  "a certificate is not signed for a worker" },
	{ KEYMSG_SIGN, 0, 0x0403, B_EMPTY, 0, "nothing to sign" },
	{ KEYMSG_SIGNATURE, 0, 0, B_X509, 1, "a signature" },
	{ KEYMSG_SIGNATURE, 0, 0, B_EMPTY, 0, "an empty signature" },
	{ KEYMSG_SIGNATURE, 1, 0, B_X509, 0, "a reply names no key" },
	{ KEYMSG_SIGNATURE, 0, 0x0403, B_X509, 0, "a reply names no scheme" },
	{ KEYMSG_FAILED, 0, 0, B_EMPTY, 1, "a failure" },
	{ KEYMSG_FAILED, 0, 0, B_X509, 0, "a failure has no body" },
	{ KEYMSG_HELLO, 0, 0, B_EMPTY, 1, "a new key process" },
	{ 0, 0, 0, B_EMPTY, 0, "type 0" },
	{ 9, 0, 0, B_EMPTY, 0, "unknown type" },
};

static size_t
build(unsigned char *buf, int type, uint16_t key, uint16_t scheme,
    const unsigned char *b, size_t blen, uint64_t id)
{
	size_t	i;

	buf[0] = (unsigned char)type;
	buf[1] = 0;
	buf[2] = (unsigned char)(key >> 8);
	buf[3] = (unsigned char)key;
	buf[4] = (unsigned char)(scheme >> 8);
	buf[5] = (unsigned char)scheme;
	buf[6] = (unsigned char)(blen >> 8);
	buf[7] = (unsigned char)blen;
	for (i = 0; i < 8; i++)
		buf[8 + i] = (unsigned char)(id >> (56 - 8 * i));
	memcpy(buf + KEYMSG_HEADER, b, blen);
	return KEYMSG_HEADER + blen;
}

static void
test_cases(void)
{
	unsigned char	 b[KEYMSG_MAX], buf[KEYMSG_MAX], enc[KEYMSG_MAX];
	struct keymsg	 m;
	const char	*err;
	ssize_t		 n;
	size_t		 i, blen, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		blen = body(cases[i].body, b);
		len = build(buf, cases[i].type, cases[i].key, cases[i].scheme,
		    b, blen, 0x0102030405060708ULL + i);
		err = NULL;
		n = keymsg_parse((const unsigned char *)test_guarded(buf, len),
		    len, &m, &err);
		if (!cases[i].ok) {
			CHECK(n == -1 && err != NULL, cases[i].why);
			CHECK(keymsg_encode(enc, sizeof(enc), &m) == 0 ||
			    n != -1, "the encoder refuses it too");
			continue;
		}
		CHECK(n == (ssize_t)len, cases[i].why);
		CHECK(m.type == cases[i].type && m.key == cases[i].key &&
		    m.scheme == cases[i].scheme && m.bodylen == blen &&
		    m.id == 0x0102030405060708ULL + i, "fields read back");
		CHECK(keymsg_encode(enc, sizeof(enc), &m) == len &&
		    memcmp(enc, buf, len) == 0, "encodes to the same bytes");
		CHECK(keymsg_encode(enc, len - 1, &m) == 0,
		    "the encoder says when it does not fit");
	}
}

static void
test_lengths(void)
{
	unsigned char	 b[KEYMSG_MAX], buf[KEYMSG_MAX + 8];
	struct keymsg	 m;
	const char	*err = NULL;
	size_t		 blen, len, cut;
	int		 zero = 1;

	blen = body(B_TLS13_32, b);
	len = build(buf, KEYMSG_SIGN, 0, 0x0403, b, blen, 7);
	for (cut = 0; cut < len; cut++)
		if (keymsg_parse((const unsigned char *)test_guarded(buf, cut),
		    cut, &m, &err) != 0)
			zero = 0;
	CHECK(zero, "every cut message needs more");
	buf[len] = 0xff;
	CHECK(keymsg_parse((const unsigned char *)test_guarded(buf, len + 1),
	    len + 1, &m, &err) == (ssize_t)len,
	    "a byte after the message is not consumed (a datagram must end)");
	buf[1] = 1;
	CHECK(keymsg_parse(buf, len, &m, &err) == -1, "reserved byte set");
	memset(b, ' ', sizeof(b));
	len = build(buf, KEYMSG_SIGN, 0, 0x0403, b, KEYMSG_TBS_MAX + 1, 7);
	CHECK(keymsg_parse(buf, len, &m, &err) == -1, "too long to sign");
	len = build(buf, KEYMSG_SIGNATURE, 0, 0, b, KEYMSG_SIG_MAX, 7);
	CHECK(keymsg_parse(buf, len, &m, &err) == (ssize_t)len,
	    "the largest signature");
	len = build(buf, KEYMSG_SIGNATURE, 0, 0, b, KEYMSG_SIG_MAX + 1, 7);
	CHECK(keymsg_parse(buf, len, &m, &err) == -1, "signature too long");
}

static void
test_schemes(void)
{
	const struct keymsg_scheme	*s;

	s = keymsg_scheme_find(KEYMSG_EC, "SHA2-256", 0);
	CHECK(s != NULL && s->code == 0x0403, "OpenSSL's SHA-256 name");
	s = keymsg_scheme_find(KEYMSG_EC, "sha256", 0);
	CHECK(s != NULL && s->code == 0x0403, "the short name, any case");
	s = keymsg_scheme_find(KEYMSG_RSA, "SHA-384", 1);
	CHECK(s != NULL && s->code == 0x0805, "RSA-PSS SHA-384");
	s = keymsg_scheme_find(KEYMSG_RSA, "SHA512", 0);
	CHECK(s != NULL && s->code == 0x0601, "RSA PKCS #1 SHA-512");
	s = keymsg_scheme_find(KEYMSG_ED25519, NULL, 0);
	CHECK(s != NULL && s->code == 0x0807, "Ed25519 hashes by itself");
	CHECK(keymsg_scheme_find(KEYMSG_EC, "SHA1", 0) == NULL, "no SHA-1");
	CHECK(keymsg_scheme_find(KEYMSG_EC, "SHA3-256", 0) == NULL, "no SHA-3");
	CHECK(keymsg_scheme_find(KEYMSG_EC, "SHA2-2560", 0) == NULL,
	    "whole names only");
	CHECK(keymsg_scheme_find(KEYMSG_ED25519, "SHA256", 0) == NULL,
	    "EdDSA takes no digest");
	CHECK(keymsg_scheme_find(KEYMSG_EC, "SHA256", 1) == NULL,
	    "no PSS for EC");
	CHECK(keymsg_scheme(0x0804) != NULL &&
	    keymsg_scheme(0x0804)->pss == 1, "lookup by code");
	CHECK(keymsg_scheme(0xffff) == NULL, "unknown code");
}

int
main(void)
{
	test_cases();
	test_lengths();
	test_schemes();
	return test_done("keymsg");
}
