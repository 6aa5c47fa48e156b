/*
 * check_xfer_proto.c -- unit tests of the xfer protocol parsers and
 * CRC-32 (src/modules/xfer-proto.c): the grammar of doc/xfer-protocol.md
 * accepted and refused case by case, with the error code for each.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xfer-proto.h"

static int
req(const char *s, struct xfer_req *r)
{
	return xfer_parse_request(s, strlen(s), r);
}

START_TEST(t_good)
{
	struct xfer_req r;

	ck_assert_int_eq(req("put a.txt 10", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_PUT);
	ck_assert_str_eq(r.name, "a.txt");
	ck_assert_uint_eq(r.num, 10);
	ck_assert_int_eq(req("get x 9223372036854775807\r", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_GET);
	ck_assert_uint_eq(r.num, 9223372036854775807ULL);
	ck_assert_int_eq(req("list", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_LIST);
	ck_assert_int_eq(req("quit", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_QUIT);
	ck_assert_int_eq(req("put a..b 0", &r), 0); /* dots inside: fine */
	/* encoded traversal is a literal name inside root */
	ck_assert_int_eq(req("put %2e%2e%2fx 1", &r), 0);
	ck_assert_str_eq(r.name, "%2e%2e%2fx");
	ck_assert_int_eq(req("put a\\..\\b 1", &r), 0);
}
END_TEST

START_TEST(t_bad)
{
	struct xfer_req r;
	char name[XFER_NAME_MAX + 2], line[XFER_LINE_MAX + 16];

	ck_assert_int_eq(req("put ../x 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a/b 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .hidden 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .. 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put . 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put /etc/passwd 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("get / 0", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .part.x 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put ..%2fx 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x01" "b 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x1b 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x7f 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\rb 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put \xff 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\tb 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put \xc3\xa9 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(
	    xfer_parse_request("put a\0b 1", 9, &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put  1", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x 1 ", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("PUT x 1", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("list x", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x -1", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x +1", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x 9223372036854775808", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x 12345678901234567890", &r), XFER_E_BADNUM);
	memset(name, 'n', sizeof(name));
	name[XFER_NAME_MAX] = '\0';
	snprintf(line, sizeof(line), "put %s 1", name);
	ck_assert_int_eq(req(line, &r), 0); /* 240: the limit */
	name[XFER_NAME_MAX] = 'n';
	name[XFER_NAME_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "put %s 1", name);
	ck_assert_int_eq(req(line, &r), XFER_E_BADNAME);
	memset(line, 'a', sizeof(line));
	ck_assert_int_eq(
	    xfer_parse_request(line, XFER_LINE_MAX, &r), XFER_E_TOOLONG);
}
END_TEST

START_TEST(t_reply)
{
	struct xfer_reply rep;
	uint64_t v;
	uint32_t crc;

	ck_assert_int_eq(xfer_parse_reply("ok 5 0d4a1185", 13, &rep), 0);
	ck_assert_int_eq(rep.ok, 1);
	ck_assert_int_eq(rep.nfield, 2);
	ck_assert_int_eq(xfer_parse_num(rep.field[0], rep.fieldlen[0], &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(
	    xfer_parse_crc(rep.field[1], rep.fieldlen[1], &crc), 0);
	ck_assert_uint_eq(crc, 0x0d4a1185);
	ck_assert_int_eq(xfer_parse_reply("err 404 no such file", 20, &rep), 0);
	ck_assert_int_eq(rep.ok, 0);
	ck_assert_int_eq(rep.code, 404);
	ck_assert_int_eq((int)rep.textlen, 12);
	ck_assert_int_eq(xfer_parse_reply("err 4 x", 7, &rep), -1);
	ck_assert_int_eq(xfer_parse_reply("okay", 4, &rep), -1);
	ck_assert_int_eq(xfer_parse_crc("0D4A1185", 8, &crc), -1);
}
END_TEST

START_TEST(t_crc)
{
	/* the CRC-32 check value, and zlib.crc32(b"hello world") */
	ck_assert_uint_eq(xfer_crc32(0, "123456789", 9), 0xcbf43926);
	ck_assert_uint_eq(xfer_crc32(0, "hello world", 11), 0x0d4a1185);
	/* in pieces, as a resume computes it */
	ck_assert_uint_eq(
	    xfer_crc32(xfer_crc32(0, "hello", 5), " world", 6), 0x0d4a1185);
	ck_assert_uint_eq(xfer_crc32(0, "", 0), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xfer-proto");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_good);
	tcase_add_test(tc, t_bad);
	tcase_add_test(tc, t_reply);
	tcase_add_test(tc, t_crc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
