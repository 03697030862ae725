/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LRO merge rules: one case per rule, each showing the segment that breaks it is not merged
 * (and a conforming one is), plus the aggregate-ending rules and the engine's limits
 * (64 KiB, netfront slots, time budget, flow and mbuf caps, order within a flow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xen/io/netif.h>

#include "lro.h"
#include "test_lro_util.h"

_Static_assert(LRO_DEFAULT_MAX_SLOTS == XEN_NETIF_NR_SLOTS_MIN,
	       "LRO slot cap must match what netfront accepts");

#define NO_COUNTER SIZE_MAX
#define STAT(name) offsetof(struct lro_stats, name)
#define MAX_PKTS 256

struct fixture {
	struct lro_ctx *ctx;
	const void *param;
};

static int fx_setup_conf(void **state, const struct lro_conf *conf)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || tl_pool() == NULL)
		return -1;
	fx->param = *state;
	fx->ctx = lro_ctx_create(conf);
	if (fx->ctx == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int fx_setup(void **state)
{
	return fx_setup_conf(state, NULL);
}

/* Frees the context (and anything it still holds), then checks no mbuf leaked. */
static int fx_teardown(void **state)
{
	struct fixture *fx = *state;
	unsigned int in_use;

	lro_ctx_free(fx->ctx);
	free(fx);
	in_use = tl_pool_in_use();
	if (in_use != 0) {
		fprintf(stderr, "leak: %u mbufs still in use\n", in_use);
		return -1;
	}
	return 0;
}

static uint64_t stat_of(struct lro_ctx *ctx, size_t off)
{
	struct lro_stats st;
	uint64_t v;

	assert_int_equal(lro_stats_get(ctx, &st), 0);
	memcpy(&v, (const uint8_t *)&st + off, sizeof(v));
	return v;
}

/* Build frames for @segs (mutated by @frame_mut on index @mut_idx), record them in @in. */
static void build(const struct tl_seg *segs, uint32_t n, struct rte_mbuf **m,
		  struct tl_frame **in, uint32_t *nb_in)
{
	static uint8_t buf[TL_MAX_FRAME];

	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = tl_build_frame(&segs[i], buf);

		m[i] = tl_mbuf_from(tl_pool(), buf, len);
		assert_non_null(m[i]);
		assert_int_equal(tl_frames_add(in, nb_in, buf, len), 0);
	}
}

/* One burst, then flush everything. Returns the number of packets in @out. */
static uint32_t feed(struct lro_ctx *ctx, struct rte_mbuf **m, uint32_t n, struct rte_mbuf **out)
{
	int r = lro_reassemble_burst(ctx, m, (uint16_t)n, 1, out, (uint16_t)(2 * n));

	assert_true(r >= 0);
	return (uint32_t)r + lro_flush(ctx, LRO_FLUSH_ALL, out + r, (uint16_t)(2 * n - r));
}

/* Run @segs through the engine, check the output against the input, and return the
 * TCP segment count of each output packet in @segs_out. */
static uint32_t run_segs(struct lro_ctx *ctx, const struct tl_seg *segs, uint32_t n,
			 uint16_t *segs_out, struct rte_mbuf **keep)
{
	struct rte_mbuf *m[MAX_PKTS], *out[2 * MAX_PKTS];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0, nout;

	build(segs, n, m, &in, &nb_in);
	nout = feed(ctx, m, n, out);
	assert_int_equal(tl_check_equiv(in, nb_in, out, nout), 0);
	for (uint32_t i = 0; i < nout; i++)
		segs_out[i] = lro_mbuf_nb_segs(out[i]);
	if (keep != NULL && nout > 0) {
		keep[0] = out[0];
		tl_free_pkts(out + 1, nout - 1);
	} else {
		tl_free_pkts(out, nout);
	}
	tl_frames_free(in, nb_in);
	return nout;
}

/* ---- one case per merge rule: segment A, then B that breaks (or keeps) a rule ---- */

struct rule_case {
	const char *name;
	uint8_t ipver;
	void (*seg)(struct tl_seg *a, struct tl_seg *b);
	void (*frame)(uint8_t *f, uint32_t *len);
	bool raw;                 /* keep the mutated frame's checksums as they are */
	uint64_t b_flags;         /* mbuf ol_flags of B */
	bool merge;               /* expected: B joins A */
	size_t counter;           /* this counter must move */
};

static void frame_offsets(const uint8_t *f, uint32_t len, uint32_t *l3, uint32_t *l4,
			  uint32_t *pl)
{
	uint8_t v;

	assert_true(tl_parse(f, len, l3, l4, pl, &v));
}

static void s_other_flow(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flow = 2; }
static void s_ttl(struct tl_seg *a, struct tl_seg *b) { (void)a; b->ttl--; }
static void s_tos(struct tl_seg *a, struct tl_seg *b) { (void)a; b->tos = 0x10; }
static void s_df(struct tl_seg *a, struct tl_seg *b) { (void)a; b->df = false; }
static void s_id_jump(struct tl_seg *a, struct tl_seg *b) { (void)a; b->ip_id++; }
static void s_id_back(struct tl_seg *a, struct tl_seg *b) { b->ip_id = (uint16_t)(a->ip_id - 1); }
static void s_id_fixed_df(struct tl_seg *a, struct tl_seg *b) { b->ip_id = a->ip_id; }
static void s_id_fixed_nodf(struct tl_seg *a, struct tl_seg *b)
{
	a->df = b->df = false;
	b->ip_id = a->ip_id;
}
static void s_id_inc_nodf(struct tl_seg *a, struct tl_seg *b) { a->df = b->df = false; }
static void s_ack(struct tl_seg *a, struct tl_seg *b) { (void)a; b->ack++; }
static void s_window(struct tl_seg *a, struct tl_seg *b) { (void)a; b->window++; }
static void s_tsval(struct tl_seg *a, struct tl_seg *b) { (void)a; b->tsval++; }
static void s_tsecr(struct tl_seg *a, struct tl_seg *b) { (void)a; b->tsecr++; }
static void s_no_ts(struct tl_seg *a, struct tl_seg *b) { (void)a; b->ts = false; }
static void s_urg(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_URG; }
static void s_rst(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_RST; }
static void s_syn(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_SYN; }
static void s_ece(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_ECE; }
static void s_cwr(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_CWR; }
static void s_psh(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_PSH; }
static void s_fin(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flags |= TL_TCP_FIN; }
static void s_seq_gap(struct tl_seg *a, struct tl_seg *b) { (void)a; b->seq++; }
static void s_seq_retrans(struct tl_seg *a, struct tl_seg *b) { b->seq = a->seq; }
static void s_larger(struct tl_seg *a, struct tl_seg *b) { b->payload_len = a->payload_len + 1; }
static void s_shorter(struct tl_seg *a, struct tl_seg *b) { b->payload_len = a->payload_len - 1; }
static void s_no_payload(struct tl_seg *a, struct tl_seg *b) { (void)a; b->payload_len = 0; }
static void s_vlan(struct tl_seg *a, struct tl_seg *b) { (void)a; b->nb_vlan = 1; b->vlan[0] = 7; }
static void s_vlan_both(struct tl_seg *a, struct tl_seg *b)
{
	a->nb_vlan = b->nb_vlan = 2;
	a->vlan[0] = b->vlan[0] = 100;
	a->vlan[1] = b->vlan[1] = 200;
}
static void s_label(struct tl_seg *a, struct tl_seg *b) { (void)a; b->flow_label ^= 1; }

static void f_ip_opts(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	memmove(f + l4 + 4, f + l4, *len - l4);
	memset(f + l4, 1, 4); /* four NOP options */
	f[l3] = 0x46;
	f[l3 + 3] = (uint8_t)(f[l3 + 3] + 4); /* total length, no carry at these sizes */
	*len += 4;
}
static void f_frag(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	f[l3 + 6] |= 0x20; /* MF */
}
static void f_later_frag(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	f[l3 + 6] = (uint8_t)((f[l3 + 6] & 0xe0) | 0x00);
	f[l3 + 7] = 185; /* offset 1480 bytes, DF kept: a later fragment */
}
static void f_bad_ip_csum(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	f[l3 + 10] ^= 0x5a;
}
static void f_bad_tcp_csum(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	f[pl + 7] ^= 0x01;
}
static void f_v6_ext(uint8_t *f, uint32_t *len)
{
	uint32_t l3, l4, pl;

	frame_offsets(f, *len, &l3, &l4, &pl);
	f[l3 + 6] = 0; /* hop-by-hop options first */
}
static void f_smac(uint8_t *f, uint32_t *len)
{
	(void)len;
	f[11] ^= 0x01;
}
static void f_padding(uint8_t *f, uint32_t *len)
{
	memset(f + *len, 0, 4);
	*len += 4;
}

static const struct rule_case rule_cases[] = {
	{ "conforming_v4_merges", 4, NULL, NULL, false, 0, true, STAT(merged) },
	{ "conforming_v6_merges", 6, NULL, NULL, false, 0, true, STAT(merged) },
	{ "vlan_qinq_merges", 4, s_vlan_both, NULL, false, 0, true, STAT(merged) },
	{ "other_flow", 4, s_other_flow, NULL, false, 0, false, STAT(held) },
	{ "other_vlan", 4, s_vlan, NULL, false, 0, false, STAT(held) },
	{ "other_mac", 4, NULL, f_smac, false, 0, false, STAT(held) },
	{ "ipv4_options", 4, NULL, f_ip_opts, false, 0, false, STAT(ip_opts) },
	{ "ipv4_fragment", 4, NULL, f_frag, false, 0, false, STAT(ip_frag) },
	{ "ipv4_later_fragment", 4, NULL, f_later_frag, false, 0, false, STAT(ip_frag) },
	{ "ipv4_bad_ip_csum", 4, NULL, f_bad_ip_csum, true, 0, false, STAT(bad_ip_csum) },
	{ "ipv4_ip_csum_bad_flag", 4, NULL, NULL, false, RTE_MBUF_F_RX_IP_CKSUM_BAD, false,
	  STAT(bad_ip_csum) },
	{ "ipv4_ttl", 4, s_ttl, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv4_tos", 4, s_tos, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv4_df", 4, s_df, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv4_id_jump", 4, s_id_jump, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv4_id_backwards", 4, s_id_back, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv4_id_fixed_without_df", 4, s_id_fixed_nodf, NULL, false, 0, false,
	  STAT(flushed_mismatch) },
	{ "ipv4_id_fixed_with_df_merges", 4, s_id_fixed_df, NULL, false, 0, true, STAT(merged) },
	{ "ipv4_id_inc_without_df_merges", 4, s_id_inc_nodf, NULL, false, 0, true, STAT(merged) },
	{ "ipv6_hop_limit", 6, s_ttl, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv6_traffic_class", 6, s_tos, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "ipv6_flow_label", 6, s_label, NULL, false, 0, false, STAT(held) },
	{ "ipv6_ext_header", 6, NULL, f_v6_ext, false, 0, false, STAT(ipv6_ext) },
	{ "tcp_ack", 4, s_ack, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_window", 4, s_window, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_tsval", 4, s_tsval, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_tsecr", 6, s_tsecr, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_options_absent", 4, s_no_ts, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_urg", 4, s_urg, NULL, false, 0, false, STAT(tcp_flags) },
	{ "tcp_rst", 4, s_rst, NULL, false, 0, false, STAT(tcp_flags) },
	{ "tcp_syn", 6, s_syn, NULL, false, 0, false, STAT(tcp_flags) },
	{ "tcp_ece", 4, s_ece, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_cwr", 4, s_cwr, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_psh_merges", 4, s_psh, NULL, false, 0, true, STAT(flushed_flags) },
	{ "tcp_fin_merges", 6, s_fin, NULL, false, 0, true, STAT(flushed_flags) },
	{ "tcp_seq_gap", 4, s_seq_gap, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_seq_retransmit", 4, s_seq_retrans, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_larger_than_first", 4, s_larger, NULL, false, 0, false, STAT(flushed_mismatch) },
	{ "tcp_shorter_merges", 6, s_shorter, NULL, false, 0, true, STAT(flushed_short) },
	{ "tcp_no_payload", 4, s_no_payload, NULL, false, 0, false, STAT(no_payload) },
	{ "tcp_bad_csum", 4, NULL, f_bad_tcp_csum, true, 0, false, STAT(bad_l4_csum) },
	{ "tcp_bad_csum_v6", 6, NULL, f_bad_tcp_csum, true, 0, false, STAT(bad_l4_csum) },
	{ "tcp_csum_bad_flag", 4, NULL, NULL, false, RTE_MBUF_F_RX_L4_CKSUM_BAD, false,
	  STAT(bad_l4_csum) },
	{ "frame_padding", 4, NULL, f_padding, false, 0, false, STAT(len_mismatch) },
};

static void test_rule(void **state)
{
	struct fixture *fx = *state;
	const struct rule_case *rc = fx->param;
	struct tl_seg s[2];
	struct rte_mbuf *m[2], *out[4];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0, nout, len;
	uint8_t buf[TL_MAX_FRAME];

	s[0] = tl_seg_default(1, rc->ipver, 1000);
	s[1] = s[0];
	s[1].seq += 1000;
	s[1].ip_id++;
	if (rc->seg != NULL)
		rc->seg(&s[0], &s[1]);
	build(s, 1, m, &in, &nb_in);
	len = tl_build_frame(&s[1], buf);
	if (rc->frame != NULL) {
		rc->frame(buf, &len);
		if (!rc->raw)
			tl_fix_csums(buf, len);
	}
	m[1] = tl_mbuf_from(tl_pool(), buf, len);
	assert_non_null(m[1]);
	m[1]->ol_flags |= rc->b_flags;
	assert_int_equal(tl_frames_add(&in, &nb_in, buf, len), 0);

	nout = feed(fx->ctx, m, 2, out);
	if (rc->merge) {
		assert_int_equal(nout, 1);
		assert_int_equal(lro_mbuf_nb_segs(out[0]), 2);
	} else {
		assert_int_equal(nout, 2);
		assert_int_equal(lro_mbuf_nb_segs(out[0]), 1);
		assert_int_equal(lro_mbuf_nb_segs(out[1]), 1);
		assert_int_equal(stat_of(fx->ctx, STAT(merged)), 0);
	}
	assert_true(stat_of(fx->ctx, rc->counter) >= 1);
	/* Byte for byte what came in, per flow and in order, once resegmented. */
	assert_int_equal(tl_check_equiv(in, nb_in, out, nout), 0);
	tl_free_pkts(out, nout);
	tl_frames_free(in, nb_in);
}

/* A bad checksum is not merged even when nothing else is wrong; a NIC's GOOD verdict is
 * trusted without recomputing (documented precondition). */
static void test_trusts_l4_good_flag(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[2] = { tl_seg_default(1, 4, 1000), tl_seg_default(1, 4, 1000) };
	struct rte_mbuf *m[2], *out[4];
	uint8_t buf[TL_MAX_FRAME];
	uint32_t len;

	s[1].seq += 1000;
	s[1].ip_id++;
	for (int i = 0; i < 2; i++) {
		len = tl_build_frame(&s[i], buf);
		f_bad_tcp_csum(buf, &len);
		m[i] = tl_mbuf_from(tl_pool(), buf, len);
		assert_non_null(m[i]);
		m[i]->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	assert_int_equal(feed(fx->ctx, m, 2, out), 1);
	assert_int_equal(lro_mbuf_nb_segs(out[0]), 2);
	assert_int_equal(stat_of(fx->ctx, STAT(bad_l4_csum)), 0);
	tl_free_pkts(out, 1);
}

/* ---- ending rules ---- */

static void seq_of(struct tl_seg *s, uint32_t n, uint8_t ipver, uint16_t len)
{
	for (uint32_t i = 0; i < n; i++) {
		s[i] = tl_seg_default(1, ipver, len);
		s[i].seq += i * len;
		s[i].ip_id = (uint16_t)(s[i].ip_id + i);
	}
}

static void check_split(struct lro_ctx *ctx, struct tl_seg *s, uint32_t n, const uint16_t *want,
			uint32_t nb_want)
{
	uint16_t got[2 * MAX_PKTS];
	uint32_t nout = run_segs(ctx, s, n, got, NULL);

	assert_int_equal(nout, nb_want);
	for (uint32_t i = 0; i < nout; i++)
		assert_int_equal(got[i], want[i]);
}

static void test_psh_ends(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[3];
	struct rte_mbuf *keep[1];
	uint16_t got[6];
	uint8_t flags;

	seq_of(s, 3, 4, 1000);
	s[1].flags |= TL_TCP_PSH;
	assert_int_equal(run_segs(fx->ctx, s, 3, got, keep), 2);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 1);
	/* The merged header carries PSH (OR'd in from the last segment). */
	flags = rte_pktmbuf_mtod_offset(keep[0], uint8_t *, keep[0]->l2_len + keep[0]->l3_len)[13];
	assert_true(flags & TL_TCP_PSH);
	rte_pktmbuf_free(keep[0]);
}

static void test_fin_ends(void **state)
{
	static const uint16_t want[] = { 2, 1 };
	struct tl_seg s[3];

	seq_of(s, 3, 6, 1000);
	s[1].flags |= TL_TCP_FIN;
	s[2].seq++; /* FIN takes a sequence number */
	check_split(((struct fixture *)*state)->ctx, s, 3, want, 2);
}

static void test_short_ends(void **state)
{
	static const uint16_t want[] = { 3, 2 };
	struct tl_seg s[5];

	seq_of(s, 5, 4, 1000);
	s[2].payload_len = 400;
	for (int i = 3; i < 5; i++)
		s[i].seq -= 600;
	check_split(((struct fixture *)*state)->ctx, s, 5, want, 2);
}

/* CWR ends the open aggregate and starts the next one, which later segments may join. */
static void test_cwr_restarts(void **state)
{
	static const uint16_t want[] = { 2, 3 };
	struct tl_seg s[5];

	seq_of(s, 5, 4, 1000);
	s[2].flags |= TL_TCP_CWR;
	check_split(((struct fixture *)*state)->ctx, s, 5, want, 2);
}

/* Something not mergeable in a flow never overtakes that flow's aggregate. */
static void test_order_within_flow(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[5];
	uint16_t got[10];

	seq_of(s, 5, 4, 1000);
	s[2].payload_len = 0;      /* pure ACK in the middle */
	s[2].flags = TL_TCP_ACK;
	for (int i = 3; i < 5; i++)
		s[i].seq -= 1000;
	/* run_segs checks the per-flow order; the ACK splits the stream in two. */
	assert_int_equal(run_segs(fx->ctx, s, 5, got, NULL), 3);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
}

/* ---- limits ---- */

static void test_max_64k_v4(void **state)
{
	static const uint16_t want[] = { 45, 5 };
	struct tl_seg s[50];

	/* 20 + 32 + 45 * 1448 = 65212 <= 65535 < 65212 + 1448 */
	seq_of(s, 50, 4, 1448);
	check_split(((struct fixture *)*state)->ctx, s, 50, want, 2);
	assert_true(stat_of(((struct fixture *)*state)->ctx, STAT(flushed_size)) >= 1);
}

static void test_max_64k_v6(void **state)
{
	static const uint16_t want[] = { 45, 5 };
	struct tl_seg s[50];

	/* 40 + 32 + 45 * 1448 = 65232 <= 65535 */
	seq_of(s, 50, 6, 1448);
	s[0].nb_vlan = 1;
	for (int i = 0; i < 50; i++)
		s[i].nb_vlan = 1, s[i].vlan[0] = 3;
	check_split(((struct fixture *)*state)->ctx, s, 50, want, 2);
}

static int setup_two_slots(void **state)
{
	struct lro_conf c = { .socket_id = SOCKET_ID_ANY, .max_slots = 2 };

	return fx_setup_conf(state, &c);
}

static void test_slot_cap(void **state)
{
	static const uint16_t want[] = { 5, 5 };
	struct tl_seg s[10];

	/* 14 + 52 + 5 * 1448 = 7306 <= 2 * 4096 < 7306 + 1448 */
	seq_of(s, 10, 4, 1448);
	check_split(((struct fixture *)*state)->ctx, s, 10, want, 2);
}

static int setup_timeout(void **state)
{
	struct lro_conf c = { .socket_id = SOCKET_ID_ANY, .timeout_cycles = 1000 };

	return fx_setup_conf(state, &c);
}

static void test_timeout(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[2];
	struct rte_mbuf *m[2], *out[4];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0;

	seq_of(s, 2, 4, 1000);
	build(s, 1, m, &in, &nb_in);
	assert_int_equal(lro_reassemble_burst(fx->ctx, m, 1, 5000, out, 2), 0);
	assert_int_equal(lro_held_flows(fx->ctx), 1);
	assert_int_equal(lro_flush(fx->ctx, 5999, out, 4), 0);
	assert_int_equal(lro_flush(fx->ctx, 100, out, 4), 0); /* clock behind: not expired */
	/* Later segments do not extend the budget. */
	build(s + 1, 1, m + 1, &in, &nb_in);
	assert_int_equal(lro_reassemble_burst(fx->ctx, m + 1, 1, 5900, out, 2), 0);
	assert_int_equal(lro_flush(fx->ctx, 6000, out, 4), 1);
	assert_int_equal(lro_mbuf_nb_segs(out[0]), 2);
	assert_int_equal(stat_of(fx->ctx, STAT(flushed_timeout)), 1);
	assert_int_equal(lro_held_flows(fx->ctx), 0);
	assert_int_equal(tl_check_equiv(in, nb_in, out, 1), 0);
	tl_free_pkts(out, 1);
	tl_frames_free(in, nb_in);
}

static int setup_two_flows(void **state)
{
	struct lro_conf c = { .socket_id = SOCKET_ID_ANY, .max_flows = 2 };

	return fx_setup_conf(state, &c);
}

static void test_table_full_evicts_oldest(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[3];
	struct rte_mbuf *m[3], *out[6];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0, n;

	for (int i = 0; i < 3; i++)
		s[i] = tl_seg_default((uint32_t)i + 1, 4, 1000);
	build(s, 3, m, &in, &nb_in);
	assert_int_equal(lro_reassemble_burst(fx->ctx, m, 3, 1, out, 6), 1);
	assert_int_equal(lro_mbuf_nb_segs(out[0]), 1);
	assert_memory_equal(rte_pktmbuf_mtod(out[0], uint8_t *), in[0].data, in[0].len);
	assert_int_equal(stat_of(fx->ctx, STAT(table_full)), 1);
	assert_int_equal(lro_held_flows(fx->ctx), 2);
	n = 1 + lro_flush(fx->ctx, LRO_FLUSH_ALL, out + 1, 5);
	assert_int_equal(n, 3);
	assert_int_equal(tl_check_equiv(in, nb_in, out, n), 0);
	tl_free_pkts(out, n);
	tl_frames_free(in, nb_in);
}

static int setup_three_mbufs(void **state)
{
	struct lro_conf c = { .socket_id = SOCKET_ID_ANY, .max_held_mbufs = 3 };

	return fx_setup_conf(state, &c);
}

static void test_held_mbuf_cap(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[6];
	struct rte_mbuf *m[6], *out[12];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0, n;
	int r;

	seq_of(s, 4, 4, 1000);              /* flow 1: four segments */
	s[4] = tl_seg_default(2, 6, 1000);  /* flows 2 and 3 */
	s[5] = tl_seg_default(3, 4, 1000);
	build(s, 6, m, &in, &nb_in);
	r = lro_reassemble_burst(fx->ctx, m, 6, 1, out, 12);
	assert_true(r >= 1);
	assert_true(lro_held_mbufs(fx->ctx) <= 3);
	assert_true(stat_of(fx->ctx, STAT(held_full)) >= 1);
	n = (uint32_t)r + lro_flush(fx->ctx, LRO_FLUSH_ALL, out + r, (uint16_t)(12 - r));
	assert_int_equal(tl_check_equiv(in, nb_in, out, n), 0);
	tl_free_pkts(out, n);
	tl_frames_free(in, nb_in);
}

static void test_bad_args(void **state)
{
	struct fixture *fx = *state;
	struct rte_mbuf *m[2] = { NULL, NULL }, *out[3];
	struct lro_conf bad = { .max_ip_len = 70000 };
	struct lro_stats st;

	assert_int_equal(lro_reassemble_burst(fx->ctx, m, 2, 1, out, 3), -EINVAL);
	assert_int_equal(lro_reassemble_burst(NULL, m, 2, 1, out, 4), -EINVAL);
	assert_int_equal(lro_reassemble_burst(fx->ctx, m, 0, 1, out, 0), 0);
	assert_int_equal(lro_stats_get(fx->ctx, NULL), -EINVAL);
	assert_int_equal(lro_stats_get(fx->ctx, &st), 0);
	assert_int_equal(st.pkts_in, 0);
	assert_null(lro_ctx_create(&bad));
	lro_ctx_free(NULL);
}

/* lro_ctx_free() returns held mbufs to their pool (checked by the teardown). */
static void test_free_releases_held(void **state)
{
	struct fixture *fx = *state;
	struct tl_seg s[4];
	struct rte_mbuf *m[4], *out[8];
	struct tl_frame *in = NULL;
	uint32_t nb_in = 0;

	seq_of(s, 4, 6, 1000);
	build(s, 4, m, &in, &nb_in);
	assert_int_equal(lro_reassemble_burst(fx->ctx, m, 4, 1, out, 8), 0);
	assert_int_equal(lro_held_mbufs(fx->ctx), 4);
	tl_frames_free(in, nb_in);
}

static void ext_free(void *addr, void *opaque)
{
	(void)addr;
	*(int *)opaque += 1;
}

/* lro_linearize() of a chain whose first segment is a PMD's external buffer (mlx5 MPRQ
 * delivers such): the copy is an ordinary mbuf, and freeing it frees only itself. */
static void test_linearize_external(void **state)
{
	static uint8_t ext[256];
	struct rte_mbuf_ext_shared_info shinfo = {.free_cb = ext_free};
	struct rte_mempool *big = rte_pktmbuf_pool_create("lin_big", 7, 0, 0, 4096,
							  SOCKET_ID_ANY);
	struct rte_mbuf *m = rte_pktmbuf_alloc(tl_pool()), *tail = rte_pktmbuf_alloc(tl_pool());
	struct rte_mbuf *out;
	int freed = 0;

	(void)state;
	assert_non_null(big);
	assert_non_null(m);
	assert_non_null(tail);
	shinfo.fcb_opaque = &freed;
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, ext, rte_mem_virt2iova(ext), sizeof(ext), &shinfo);
	memset(ext, 0x11, sizeof(ext));
	m->data_len = m->pkt_len = 100;
	memset(rte_pktmbuf_append(tail, 50), 0x22, 50);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	out = lro_linearize(m, big);
	assert_non_null(out);
	assert_int_equal(freed, 1); /* the source's external buffer went back to its owner */
	assert_false(out->ol_flags & (RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT));
	assert_true(out->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(out->pkt_len, 150);
	assert_int_equal(rte_pktmbuf_mtod_offset(out, uint8_t *, 99)[0], 0x11);
	assert_int_equal(rte_pktmbuf_mtod_offset(out, uint8_t *, 100)[0], 0x22);
	rte_pktmbuf_free(out);
	assert_int_equal(freed, 1);
	assert_int_equal(rte_mempool_in_use_count(big), 0);
	rte_mempool_free(big);
}

int main(void)
{
	enum { NB_RULES = sizeof(rule_cases) / sizeof(rule_cases[0]) };
	struct CMUnitTest rules[NB_RULES];
	const struct CMUnitTest engine[] = {
		cmocka_unit_test_setup_teardown(test_trusts_l4_good_flag, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_psh_ends, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fin_ends, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_short_ends, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cwr_restarts, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_order_within_flow, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_max_64k_v4, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_max_64k_v6, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_slot_cap, setup_two_slots, fx_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup_timeout, fx_teardown),
		cmocka_unit_test_setup_teardown(test_table_full_evicts_oldest, setup_two_flows,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_held_mbuf_cap, setup_three_mbufs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_free_releases_held, fx_setup, fx_teardown),
		cmocka_unit_test(test_linearize_external),
	};
	int failed;

	if (tl_pool() == NULL)
		return 1;
	for (int i = 0; i < NB_RULES; i++) {
		rules[i] = (struct CMUnitTest){ rule_cases[i].name, test_rule, fx_setup,
						fx_teardown, (void *)(uintptr_t)&rule_cases[i] };
	}
	failed = _cmocka_run_group_tests("lro_rules", rules, NB_RULES, NULL, NULL);
	failed += cmocka_run_group_tests_name("lro_engine", engine, NULL, NULL);
	return failed != 0;
}
