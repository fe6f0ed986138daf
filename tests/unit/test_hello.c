/* test_hello.c: the wire length of a ClientHello across records. */
#include "hello.h"
#include "test.h"

#define MAX	16645		/* conn.c's peek: 5 + 16384 + 256 */

static size_t
need(const char *bytes, size_t n)
{
	return hello_need((const unsigned char *)test_guarded(bytes, n), n,
	    MAX);
}

int
main(void)
{
	/* A ClientHello of 8 body bytes (type 1, length 4 + 4). */
	static const char whole[] = "\x16\x03\x01\x00\x08"
	    "\x01\x00\x00\x04" "abcd";
	/* The same message split: 1 byte, then 3, then 4. */
	static const char split[] = "\x16\x03\x01\x00\x01" "\x01"
	    "\x16\x03\x01\x00\x03" "\x00\x00\x04"
	    "\x16\x03\x01\x00\x04" "abcd";
	/* A 4-byte record holding only the start of a 508-byte message. */
	static const char tiny[] = "\x16\x03\x01\x00\x04" "\x01\x00\x01\xfc";
	/* A message that declares more than the peek can hold. */
	static const char huge[] = "\x16\x03\x01\x00\x04" "\x01\x00\xff\xff";

	CHECK(need("", 0) == 5, "nothing yet: a record header");
	CHECK(need(whole, 3) == 5, "part of the header");
	CHECK(need(whole, 5) == 13, "header: the whole record");
	CHECK(need(whole, 12) == 13, "record not complete");
	CHECK(need(whole, 13) == 0, "whole message: OpenSSL's turn");
	CHECK(need(split, 6) == 11, "first 1-byte record: next header");
	CHECK(need(split, 10) == 11, "next header one byte short");
	CHECK(need(split, 11) == 14, "the 3-byte record");
	CHECK(need(split, 14) == 19, "type and length known: next header");
	CHECK(need(split, 19) == 23, "last record's body");
	CHECK(need(split, 22) == 23, "last record one byte short");
	CHECK(need(split, 23) == 0, "split message whole");
	CHECK(need(tiny, 9) == 14, "a tiny record is not the message");
	CHECK(need(huge, 9) == 14, "a huge message still waits");
	CHECK(hello_need((const unsigned char *)"\x16\x03\x01\x40\x00", 5,
	    100) == 100, "a record past the peek: wait for the peek");
	CHECK(hello_need((const unsigned char *)"\x16\x03\x01\x40\x00", 100,
	    100) == 0, "peek full: OpenSSL's turn");
	CHECK(need("GET / HTTP/1.0\r\n", 16) == 0, "not TLS: OpenSSL rejects");
	CHECK(need("\x15\x03\x01\x00\x02\x02\x28", 7) == 0, "an alert");
	CHECK(need("\x16\x03\x01\x00\x00", 5) == 0, "empty record");
	CHECK(need("\x16\x03\x01\x00\x04\x02\x00\x00\x00", 9) == 0,
	    "not a ClientHello (ServerHello)");
	CHECK(need("\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9) == 0,
	    "empty ClientHello body is whole");
	return test_done("hello");
}
