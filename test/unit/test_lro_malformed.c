/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed wire input: truncated headers, bad IHL or data offset, lengths that disagree
 * with the frame, bad versions, headers split across mbuf segments, random corruption.
 * Each such packet is passed through unchanged and counted, never merged. Frames are held
 * in external buffers of exactly their length, so a build with -Db_sanitize=address catches
 * any read past the frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lro.h"
#include "test_lro_util.h"

#define STAT(name) offsetof(struct lro_stats, name)

static struct lro_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	if (tl_pool() == NULL)
		return -1;
	ctx = lro_ctx_create(NULL);
	return ctx == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	unsigned int in_use;

	(void)state;
	lro_ctx_free(ctx);
	in_use = tl_pool_in_use();
	if (in_use != 0) {
		fprintf(stderr, "leak: %u mbufs still in use\n", in_use);
		return -1;
	}
	return 0;
}

static uint64_t stat_of(size_t off)
{
	struct lro_stats st;
	uint64_t v;

	assert_int_equal(lro_stats_get(ctx, &st), 0);
	memcpy(&v, (const uint8_t *)&st + off, sizeof(v));
	return v;
}

static void free_ext(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/* An mbuf whose data is a malloc'd buffer of exactly @len bytes. */
static struct rte_mbuf *mbuf_exact(const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tl_pool());
	struct rte_mbuf_ext_shared_info *sh = calloc(1, sizeof(*sh));
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(m);
	assert_non_null(sh);
	assert_non_null(buf);
	memcpy(buf, frame, len);
	sh->free_cb = free_ext;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, 0, (uint16_t)len, sh);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

/*
 * Feed a valid segment A of flow 1, then @bad (same flow where it parses), in one burst.
 * Expect both back unchanged, nothing merged, and @counter moved.
 */
static void expect_passed(const uint8_t *bad, uint32_t len, struct rte_mbuf *bad_m,
			  size_t counter)
{
	struct tl_seg a = tl_seg_default(1, bad[12] == 0x86 ? 6 : 4, 1000);
	uint8_t abuf[TL_MAX_FRAME];
	uint32_t alen = tl_build_frame(&a, abuf);
	struct rte_mbuf *m[2], *out[4];
	uint64_t before = stat_of(counter);
	int n;

	m[0] = mbuf_exact(abuf, alen);
	m[1] = bad_m != NULL ? bad_m : mbuf_exact(bad, len);
	n = lro_reassemble_burst(ctx, m, 2, 1, out, 4);
	assert_true(n >= 0);
	n += lro_flush(ctx, LRO_FLUSH_ALL, out + n, (uint16_t)(4 - n));
	assert_int_equal(n, 2);
	assert_int_equal(stat_of(STAT(merged)), 0);
	assert_true(stat_of(counter) > before);
	for (int i = 0; i < 2; i++) {
		const struct rte_mbuf *o = out[i];
		const uint8_t *want = o == m[0] ? abuf : bad;
		uint32_t wlen = o == m[0] ? alen : len;
		uint8_t tmp[TL_MAX_FRAME];

		assert_true(o == m[0] || o == m[1]);
		assert_int_equal(lro_mbuf_nb_segs(o), 1);
		assert_int_equal(o->pkt_len, wlen);
		assert_memory_equal(rte_pktmbuf_read(o, 0, wlen, tmp), want, wlen);
	}
	tl_free_pkts(out, 2);
}

static uint32_t valid_frame(uint8_t *buf, uint8_t ipver, uint8_t nb_vlan, uint32_t *l3,
			    uint32_t *l4, uint32_t *pl)
{
	struct tl_seg b = tl_seg_default(1, ipver, 1000);
	uint32_t len;
	uint8_t v;

	b.seq += 1000;
	b.ip_id++;
	b.nb_vlan = nb_vlan;
	len = tl_build_frame(&b, buf);
	assert_true(tl_parse(buf, len, l3, l4, pl, &v));
	return len;
}

static void test_truncated(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl;

	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		for (uint8_t tags = 0; tags <= 2; tags++) {
			uint32_t len = valid_frame(buf, v, tags, &l3, &l4, &pl);

			for (uint32_t cut = 0; cut < pl + 8 && cut < len; cut++) {
				/* One segment: whatever is cut is missing from the frame. */
				expect_passed(buf, cut, NULL, STAT(bad_hdr));
			}
			/* Last byte missing. */
			expect_passed(buf, len - 1, NULL, STAT(bad_hdr));
		}
	}
}

static void test_bad_ihl(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl, len;

	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
		buf[l3] = (uint8_t)(0x40 | ihl);
		expect_passed(buf, len, NULL, STAT(bad_hdr));
	}
	/* IHL 15: the "TCP header" would start 40 bytes late. */
	len = valid_frame(buf, 4, 1, &l3, &l4, &pl);
	buf[l3] = 0x4f;
	tl_fix_csums(buf, len);
	expect_passed(buf, len, NULL, STAT(ip_opts));
	/* IHL 15 on a frame too short to hold that header. */
	len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
	buf[l3] = 0x4f;
	expect_passed(buf, l3 + 40, NULL, STAT(bad_hdr));
}

static void test_bad_data_offset(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl, len;

	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		for (uint8_t doff = 0; doff < 5; doff++) {
			len = valid_frame(buf, v, 0, &l3, &l4, &pl);
			buf[l4 + 12] = (uint8_t)(doff << 4);
			tl_fix_csums(buf, len);
			expect_passed(buf, len, NULL, STAT(bad_hdr));
		}
		/* Data offset beyond the IP payload: header claims 60 bytes, IP has 20 + 30. */
		len = valid_frame(buf, v, 0, &l3, &l4, &pl);
		len = pl + 10;
		if (v == 4)
			buf[l3 + 2] = 0, buf[l3 + 3] = (uint8_t)(len - l3);
		else
			buf[l3 + 4] = 0, buf[l3 + 5] = (uint8_t)(len - l3 - 40);
		buf[l4 + 12] = 0xf0;
		tl_fix_csums(buf, len);
		expect_passed(buf, len - 8, NULL, STAT(bad_hdr));
	}
}

static void set_ip_len(uint8_t *buf, uint32_t l3, uint8_t v, uint32_t ip_len)
{
	if (v == 6)
		ip_len -= 40;
	buf[l3 + (v == 4 ? 2 : 4)] = (uint8_t)(ip_len >> 8);
	buf[l3 + (v == 4 ? 3 : 5)] = (uint8_t)ip_len;
}

static void test_lengths_disagree(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl, len;

	(void)state;
	for (uint8_t v = 4; v <= 6; v += 2) {
		/* IP length longer than the frame. */
		len = valid_frame(buf, v, 1, &l3, &l4, &pl);
		set_ip_len(buf, l3, v, len - l3 + 1);
		expect_passed(buf, len, NULL, STAT(bad_hdr));
		len = valid_frame(buf, v, 0, &l3, &l4, &pl);
		set_ip_len(buf, l3, v, 65535);
		expect_passed(buf, len, NULL, STAT(bad_hdr));
		/* IP length shorter than IP + TCP headers. */
		len = valid_frame(buf, v, 0, &l3, &l4, &pl);
		set_ip_len(buf, l3, v, (l4 - l3) + 10);
		tl_fix_csums(buf, len);
		expect_passed(buf, len, NULL, STAT(bad_hdr));
		/* Frame longer than the IP packet (trailer). */
		len = valid_frame(buf, v, 0, &l3, &l4, &pl);
		set_ip_len(buf, l3, v, len - l3 - 100);
		tl_fix_csums(buf, len);
		expect_passed(buf, len, NULL, STAT(len_mismatch));
	}
	/* IPv4 total length below 20. */
	len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
	set_ip_len(buf, l3, 4, 12);
	expect_passed(buf, len, NULL, STAT(bad_hdr));
	/* IPv6 payload length 0 (jumbogram without its option). */
	len = valid_frame(buf, 6, 0, &l3, &l4, &pl);
	set_ip_len(buf, l3, 6, 40);
	expect_passed(buf, len, NULL, STAT(ipv6_ext));
}

static void test_bad_version(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl, len;

	(void)state;
	len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
	buf[l3] = 0x65;
	expect_passed(buf, len, NULL, STAT(bad_hdr));
	len = valid_frame(buf, 6, 0, &l3, &l4, &pl);
	buf[l3] = 0x46;
	expect_passed(buf, len, NULL, STAT(bad_hdr));
	/* Three VLAN tags: not parsed as IP. */
	len = valid_frame(buf, 4, 2, &l3, &l4, &pl);
	memmove(buf + 16, buf + 12, len - 12);
	buf[12] = 0x81, buf[13] = 0x00, buf[14] = 0x00, buf[15] = 0x09;
	expect_passed(buf, len + 4, NULL, STAT(not_ip));
	/* Not TCP, not IP. */
	len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
	buf[l3 + 9] = 17;
	tl_fix_csums(buf, len);
	expect_passed(buf, len, NULL, STAT(not_tcp));
	buf[12] = 0x08, buf[13] = 0x06;
	expect_passed(buf, len, NULL, STAT(not_ip));
}

/* Headers split over two mbuf segments: passed through, not merged. */
static void test_header_split(void **state)
{
	uint8_t buf[TL_MAX_FRAME];
	uint32_t l3, l4, pl, len;

	(void)state;
	len = valid_frame(buf, 4, 0, &l3, &l4, &pl);
	for (uint32_t at = 8; at < pl; at += 7) {
		struct rte_mbuf *m = tl_mbuf_from_split(tl_pool(), buf, len, at);

		assert_non_null(m);
		expect_passed(buf, len, m, STAT(hdr_split));
	}
}

/* Multi-segment mbufs split after the headers do merge, into a correct chain. */
static void test_multiseg_merges(void **state)
{
	struct tl_frame *in = NULL;
	struct rte_mbuf *m[6], *out[12];
	uint8_t buf[TL_MAX_FRAME];
	uint32_t nb_in = 0, l3, l4, pl, n;
	uint8_t v;

	(void)state;
	for (int i = 0; i < 6; i++) {
		struct tl_seg s = tl_seg_default(1, i < 3 ? 4 : 6, 1400);
		uint32_t len;

		s.flow = i < 3 ? 1 : 2;
		s.seq += (uint32_t)(i % 3) * 1400;
		s.ip_id = (uint16_t)(s.ip_id + i % 3);
		len = tl_build_frame(&s, buf);
		assert_true(tl_parse(buf, len, &l3, &l4, &pl, &v));
		/* Second packet: the first segment holds exactly the headers. */
		m[i] = tl_mbuf_from_split(tl_pool(), buf, len, i % 3 == 1 ? pl : pl + 100);
		assert_non_null(m[i]);
		assert_int_equal(tl_frames_add(&in, &nb_in, buf, len), 0);
	}
	n = (uint32_t)lro_reassemble_burst(ctx, m, 6, 1, out, 12);
	n += lro_flush(ctx, LRO_FLUSH_ALL, out + n, (uint16_t)(12 - n));
	assert_int_equal(n, 2);
	assert_int_equal(lro_mbuf_nb_segs(out[0]), 3);
	assert_int_equal(lro_mbuf_nb_segs(out[1]), 3);
	assert_int_equal(tl_check_equiv(in, nb_in, out, n), 0);
	tl_free_pkts(out, n);
	tl_frames_free(in, nb_in);
}

/* Random corruption of header bytes: whatever comes out equals what went in, per flow. */
static void test_random_corruption(void **state)
{
	uint32_t rng = 12345;

	(void)state;
	for (int iter = 0; iter < 400; iter++) {
		struct tl_frame *in = NULL;
		struct rte_mbuf *m[8], *out[16];
		uint8_t buf[TL_MAX_FRAME];
		uint32_t nb_in = 0, n;

		for (int i = 0; i < 8; i++) {
			struct tl_seg s = tl_seg_default(1, iter & 1 ? 6 : 4, 1000);
			uint32_t len;

			s.seq += (uint32_t)i * 1000;
			s.ip_id = (uint16_t)(s.ip_id + i);
			s.nb_vlan = (uint8_t)(iter % 3);
			len = tl_build_frame(&s, buf);
			rng = rng * 1103515245u + 12345u;
			if ((rng >> 16) % 3 == 0) {
				uint32_t at = (rng >> 8) % 100, cut;

				buf[at] ^= (uint8_t)(1u << ((rng >> 4) % 8));
				rng = rng * 1103515245u + 12345u;
				cut = (rng >> 16) % 5 == 0 ? (rng >> 4) % len : len;
				len = cut;
			}
			m[i] = mbuf_exact(buf, len);
			assert_int_equal(tl_frames_add(&in, &nb_in, buf, len), 0);
		}
		n = (uint32_t)lro_reassemble_burst(ctx, m, 8, 1, out, 16);
		n += lro_flush(ctx, LRO_FLUSH_ALL, out + n, (uint16_t)(16 - n));
		assert_int_equal(tl_check_equiv(in, nb_in, out, n), 0);
		tl_free_pkts(out, n);
		tl_frames_free(in, nb_in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ihl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_data_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lengths_disagree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiseg_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_corruption, setup, teardown),
	};

	if (tl_pool() == NULL)
		return 1;
	return cmocka_run_group_tests_name("lro_malformed", tests, NULL, NULL) != 0;
}
