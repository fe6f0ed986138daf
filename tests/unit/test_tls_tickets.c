/*
 * test_tls_tickets.c: the session-ticket key derivation of tls.c.
 *
 * Expected keys were computed independently (Python hmac/hashlib,
 * RFC 5869 HKDF-SHA256 written out by hand) for the secret
 * 00 01 .. 1f, so a change of label, info layout or output order is
 * caught, not only a change of determinism.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "tls.h"

struct vector {
	uint64_t	 period;
	const char	*name, *hmac, *aes;	/* hex */
	const char	*why;
};

static const struct vector vectors[] = {
	{ 0,
	  "85439e5058b28277d87b8eb72edd207f",
	  "c9f30eed1924df01748d7d120c2ffa4f1c162fa83ed4b12811a39d53df6c463e",
	  "61c8166d2aa6dd85c45bb962ffd4a8bac197f020a93dca4fa9cb93fed5a40b60",
	  "period 0" },
	{ 40000,
	  "d8e2ab56637a83fd7cac94bd5d057829",
	  "15b20f30cf5f731db1415f3df592e818db608c946f392b0e06bb581d55340dd5",
	  "dabfa445e57bd68e40ad2240d8cdf17186f52d353783923a56895c5e76a1aca2",
	  "a period in 2026 (12 h periods)" },
	{ UINT64_MAX,
	  "22f426beb51666edf6a7f89acccbd2a5",
	  "cb55e86ca3e88431d97ddbbc47699d8901f0e40a2848b921455d461aac29ce13",
	  "b24fa6e4372c52d833704abd06dc68e99ad29c5c770b49c13631d1d30469b29f",
	  "all period bytes big-endian, none truncated" },
};

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
test_vectors(const unsigned char *secret)
{
	struct tls_ticket_key	k;
	char			h[65];
	size_t			i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		memset(&k, 0xa5, sizeof(k));
		CHECK(tls_ticket_derive(secret, vectors[i].period, &k) == 0,
		    vectors[i].why);
		CHECK(k.period == vectors[i].period, vectors[i].why);
		hex(k.name, sizeof(k.name), h);
		CHECK(strcmp(h, vectors[i].name) == 0, vectors[i].why);
		hex(k.hmac, sizeof(k.hmac), h);
		CHECK(strcmp(h, vectors[i].hmac) == 0, vectors[i].why);
		hex(k.aes, sizeof(k.aes), h);
		CHECK(strcmp(h, vectors[i].aes) == 0, vectors[i].why);
	}
}

/* What the workers rely on: same inputs, same key; anything else, not. */
static void
test_properties(const unsigned char *secret)
{
	unsigned char		other[TLS_TICKET_SECRET];
	struct tls_ticket_key	a, b, c, d;

	CHECK(tls_ticket_derive(secret, 7, &a) == 0, "derive");
	CHECK(tls_ticket_derive(secret, 7, &b) == 0, "derive again");
	CHECK(memcmp(&a, &b, sizeof(a)) == 0,
	    "two workers derive the same key for the same period");
	CHECK(tls_ticket_derive(secret, 8, &c) == 0, "next period");
	CHECK(memcmp(a.name, c.name, sizeof(a.name)) != 0,
	    "a new period has a new key name, so old tickets are told apart");
	CHECK(memcmp(a.aes, c.aes, sizeof(a.aes)) != 0 &&
	    memcmp(a.hmac, c.hmac, sizeof(a.hmac)) != 0,
	    "a new period has new keys");
	memcpy(other, secret, sizeof(other));
	other[31] ^= 1;
	CHECK(tls_ticket_derive(other, 7, &d) == 0, "other secret");
	CHECK(memcmp(a.name, d.name, sizeof(a.name)) != 0 &&
	    memcmp(a.aes, d.aes, sizeof(a.aes)) != 0,
	    "another server's secret gives other keys");
	CHECK(memcmp(a.hmac, a.aes, sizeof(a.aes)) != 0,
	    "the HMAC and AES keys are distinct");
}

int
main(void)
{
	unsigned char	secret[TLS_TICKET_SECRET];
	size_t		i;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)i;
	test_vectors(secret);
	test_properties(secret);
	return test_done("tls_tickets");
}
