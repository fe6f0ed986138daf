/* test_ratelimit.c: token buckets. */
#include <stdlib.h>

#include "test.h"
#include "ratelimit.h"

int
main(void)
{
	struct ratelimit	*rl = calloc(1, sizeof(*rl));
	int			 i, ok = 1;

	ratelimit_init(rl, 1.0, 3);
	for (i = 0; i < 3; i++)
		ok &= ratelimit_take(rl, "192.0.2.1", 1000) == 0;
	CHECK(ok, "a full bucket allows a burst of 3");
	CHECK(ratelimit_take(rl, "192.0.2.1", 1000) == 1,
	    "the 4th request waits one second");
	CHECK(ratelimit_take(rl, "192.0.2.2", 1000) == 0,
	    "another address has its own bucket");
	CHECK(ratelimit_take(rl, "192.0.2.1", 2000) == 0,
	    "one token is back after one second at rate 1");
	CHECK(ratelimit_take(rl, "192.0.2.1", 2000) == 1,
	    "and only one");
	CHECK(ratelimit_take(rl, "192.0.2.1", 100000) == 0,
	    "a long pause refills");
	ratelimit_init(rl, 0.5, 1);
	CHECK(ratelimit_take(rl, "a", 0) == 0, "burst of 1");
	CHECK(ratelimit_take(rl, "a", 0) == 2, "rate 0.5/s: wait 2 s");
	ratelimit_init(rl, 1.0, 2);
	CHECK(ratelimit_take(rl, "2001:db8:1:2::1", 0) == 0 &&
	    ratelimit_take(rl, "2001:db8:1:2:ffff::7", 0) == 0,
	    "two addresses of one /64: the burst of 2");
	CHECK(ratelimit_take(rl, "2001:db8:1:2::99", 0) == 1,
	    "a third address of the same /64 shares the bucket");
	CHECK(ratelimit_take(rl, "2001:db8:1:3::1", 0) == 0,
	    "the next /64 is another client");
	{
		char	client[64];

		ratelimit_client("2001:db8:1:2:3:4:5:6", client, sizeof(client));
		CHECK(strcmp(client, "2001:db8:1:2::") == 0, "IPv6 /64");
		ratelimit_client("192.0.2.7", client, sizeof(client));
		CHECK(strcmp(client, "192.0.2.7") == 0, "IPv4 whole");
		ratelimit_client("?", client, sizeof(client));
		CHECK(strcmp(client, "?") == 0, "unparsable copied");
		ratelimit_client("::ffff:198.51.100.7", client, sizeof(client));
		CHECK(strcmp(client, "198.51.100.7") == 0,
		    "IPv4-mapped is the IPv4 client, not the /64 ::");
		CHECK(ratelimit_hash("::ffff:198.51.100.7") !=
		    ratelimit_hash("::ffff:203.0.113.9"),
		    "two IPv4-mapped clients are two clients");
		CHECK(ratelimit_hash("::ffff:198.51.100.7") ==
		    ratelimit_hash("198.51.100.7"), "both spellings are one");
	}
	{
		unsigned	plain = ratelimit_hash("192.0.2.10");

		ratelimit_set_key(0x5eed1234u);
		CHECK(ratelimit_hash("192.0.2.10") != plain,
		    "the key changes where an address lands");
		CHECK(ratelimit_hash("192.0.2.10") ==
		    ratelimit_hash("192.0.2.10"), "and stays put for it");
		ratelimit_set_key(0);
	}
	ratelimit_init(rl, 0, 1);
	for (i = 0; i < 100; i++)
		ok &= ratelimit_take(rl, "a", 0) == 0;
	CHECK(ok, "rate 0 means no limit");
	free(rl);
	return test_done("ratelimit");
}
