/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest RX (backend -> guest) tests of lib/netif. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_errno.h>

#include "test_nif_fe.h"

#define MSS 1448u

static const struct nif_rx_features feat_all = {
	.sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true, .csum_ipv4 = true,
	.csum_ipv6 = true, .rx_notify = true, .mtu = 1500,
};

static struct nif_rxq *rxq_make(struct fe *fe, const struct nif_rx_features *feat,
				enum nif_layout layout)
{
	struct nif_rxq_conf conf = {
		.sring = fe->rx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.features = *feat, .layout = layout, .socket_id = SOCKET_ID_ANY,
	};
	struct nif_rxq *q = nif_rxq_create(&conf);

	assert_non_null(q);
	return q;
}

/* One burst: prepare, check the batch's shape, copy, finish. Returns packets taken. */
static uint16_t rx_burst(struct fe *fe, struct nif_rxq *q, struct rte_mbuf **pkts, uint16_t n,
			 int copy_rc_override)
{
	nif_gcopy_seg *segs;
	uint16_t taken = nif_rx_prepare_burst(q, pkts, n);
	uint32_t nsegs = nif_rx_gcopy_segs(q, &segs);
	bool notify;
	int rc = 0;

	for (uint32_t i = 0; i < nsegs; i++) {
		assert_int_equal(segs[i].flags, GNTCOPY_dest_gref);
		assert_int_equal(segs[i].dest.foreign.domid, FE_DOMID);
		assert_true(segs[i].dest.foreign.offset + segs[i].len <= NIF_PAGE_SIZE);
		assert_true(segs[i].len > 0);
	}
	if (nsegs > 0)
		rc = fe_gcopy(fe, nsegs, segs);
	if (copy_rc_override < 0)
		rc = copy_rc_override;
	assert_int_equal(nif_rx_finish_burst(q, rc, &notify), 0);
	return taken;
}

static uint16_t rand_u16(uint32_t *x, uint16_t lo, uint16_t hi)
{
	*x = *x * 1103515245u + 12345u;
	return (uint16_t)(lo + (*x >> 8) % ((uint32_t)hi - lo + 1));
}

static uint32_t pick_len(uint32_t *x, int iter)
{
	static const uint32_t edges[] = { 60, 4095, 4096, 4097, 8192, 1514, 1518, 65536, 65535 };

	if (iter < (int)RTE_DIM(edges))
		return edges[iter];
	if (iter % 4 == 0)
		return rand_u16(x, 60, 1518);
	*x = *x * 1103515245u + 12345u;
	return 60 + (*x >> 4) % (65536 - 60 + 1);
}

/* A random chain of @len bytes: random segment sizes (some empty), odd data offsets. */
static struct rte_mbuf *rand_chain(uint32_t *x, uint32_t len, bool big, uint32_t seed)
{
	struct rte_mempool *mp = big ? nif_test_big_mp : nif_test_mp;
	uint16_t room = rte_pktmbuf_data_room_size(mp);
	uint16_t lens[200], heads[200], nb = 0;
	uint32_t left = len;

	while (left > 0 && nb < 199) {
		uint16_t h = rand_u16(x, 0, RTE_PKTMBUF_HEADROOM);
		uint16_t max = (uint16_t)RTE_MIN((uint32_t)(room - h), left);
		uint16_t l = rand_u16(x, 0, 7) == 0 ? 0 : rand_u16(x, 1, max);

		heads[nb] = h;
		lens[nb++] = l;
		left -= l;
	}
	assert_int_equal(left, 0);
	return fe_chain(mp, lens, nb, heads, seed);
}

/* Data slots of a @len-byte packet whose first slot starts at @h (nif_rx_walk, packed). */
static uint16_t slots_for(uint32_t len, uint16_t h)
{
	uint32_t first = NIF_PAGE_SIZE - h;

	return (uint16_t)(len <= first ? 1 : 1 + (len - first + NIF_PAGE_SIZE - 1) / NIF_PAGE_SIZE);
}

/* The packet at rsp_cons: every slot's id, offset, size, flags and bytes, the headroom's
 * bytes left as they were (0xa5), the GSO extra. */
static void check_rx_packet_at(struct fe *fe, const uint8_t *lin, uint32_t len, bool gso,
			       uint16_t id0, grant_ref_t gref0, uint16_t h)
{
	uint16_t nd = slots_for(len, h);
	RING_IDX cons = fe->rx.rsp_cons;
	uint32_t at = 0;

	for (uint16_t d = 0; d < nd; d++) {
		uint16_t k = d == 0 ? 0 : (uint16_t)(d + gso);
		netif_rx_response_t *rsp = RING_GET_RESPONSE(&fe->rx, cons + k);
		uint16_t off = d == 0 ? h : 0;
		uint32_t size = RTE_MIN(NIF_PAGE_SIZE - off, len - at);
		uint16_t flags = d + 1 < nd ? NETRXF_more_data : 0;

		if (d == 0 && gso)
			flags |= NETRXF_extra_info | NETRXF_csum_blank | NETRXF_data_validated;
		assert_int_equal(rsp->id, id0 + k);
		assert_int_equal(rsp->offset, off);
		assert_int_equal(rsp->status, size);
		assert_int_equal(rsp->flags, flags);
		assert_memory_equal(fe_page(fe, gref0 + k) + off, lin + at, size);
		for (uint16_t b = 0; b < off; b++)
			assert_int_equal(fe_page(fe, gref0 + k)[b], 0xa5);
		at += size;
	}
	assert_int_equal(at, len);
	if (gso) {
		netif_extra_info_t *ex = (void *)RING_GET_RESPONSE(&fe->rx, cons + 1);

		assert_int_equal(ex->type, XEN_NETIF_EXTRA_TYPE_GSO);
		assert_int_equal(ex->flags, 0);
		assert_int_equal(ex->u.gso.size, MSS);
		assert_int_equal(ex->u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	}
	fe->rx.rsp_cons = cons + nd + gso;
}

static void check_rx_packet(struct fe *fe, const uint8_t *lin, uint32_t len, bool gso,
			    uint16_t id0, grant_ref_t gref0)
{
	check_rx_packet_at(fe, lin, len, gso, id0, gref0, 0);
}

/* The key claim: any chain lands in exactly the slots its linearized copy would use. */
static void test_rx_packed_equals_linear(void **state)
{
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	static uint8_t lin[65536];
	uint32_t x = 12345;
	uint64_t bytes = 0;
	int iters = 300;

	for (int it = 0; it < iters; it++) {
		uint32_t len = pick_len(&x, it);
		struct rte_mbuf *m = rand_chain(&x, len, it % 3 == 0, (uint32_t)it);
		uint16_t sizes[NIF_MAX_DATA_SLOTS], nd;
		bool gso = len > 1518;
		uint16_t id0 = (uint16_t)(it * 37);
		grant_ref_t gref0 = (grant_ref_t)((it * 19) % (FE_NB_PAGES - 20));
		int slots;

		assert_non_null(m);
		fe_linearize(m, lin);
		nd = (uint16_t)((len + NIF_PAGE_SIZE - 1) / NIF_PAGE_SIZE);
		slots = nif_rx_slot_layout(m, NIF_LAYOUT_PACKED, 0, sizes, NIF_MAX_DATA_SLOTS,
					   NULL);
		assert_int_equal(slots, nd);
		for (uint16_t d = 0; d < nd; d++)
			assert_int_equal(sizes[d], RTE_MIN(NIF_PAGE_SIZE, len - d * NIF_PAGE_SIZE));
		if (gso) {
			m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
				       RTE_MBUF_F_TX_TCP_CKSUM;
			m->tso_segsz = MSS;
		}
		fe_rx_post(fe, (uint16_t)(nd + gso), id0, gref0);
		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(fe->rx_sring->rsp_prod, fe->rx.rsp_cons + nd + gso);
		check_rx_packet(fe, lin, len, gso, id0, gref0);
		bytes += len;
	}
	assert_int_equal(nif_rxq_stats(q)->rx_packets, iters);
	assert_int_equal(nif_rxq_stats(q)->rx_bytes, bytes);
	assert_int_equal(nif_rxq_stats(q)->rx_gcopy_err, 0);
	assert_int_equal(nif_rxq_stats(q)->gcopy_batches, iters);
	nif_rxq_free(q);
}

/* Naive layout: one slot per segment; a 45-segment LRO chain needs too many. */
static void test_rx_naive_layout(void **state)
{
	struct fe *fe = *state;
	uint16_t lens[45], sizes[NIF_MAX_DATA_SLOTS];
	struct rte_mbuf *m;
	struct nif_rxq *q;
	uint32_t nsegs;

	for (int i = 0; i < 45; i++)
		lens[i] = MSS;
	m = fe_chain(nif_test_mp, lens, 3, NULL, 1);
	assert_int_equal(nif_rx_slot_layout(m, NIF_LAYOUT_NAIVE, 0, sizes, 18, &nsegs), 3);
	assert_int_equal(sizes[0], MSS);
	assert_int_equal(sizes[2], MSS);
	assert_int_equal(nsegs, 3);
	assert_int_equal(nif_rx_slot_layout(m, NIF_LAYOUT_PACKED, 0, sizes, 18, &nsegs), 2);
	assert_int_equal(sizes[0], 4096);
	assert_int_equal(sizes[1], 3 * MSS - 4096);
	assert_int_equal(nsegs, 4); /* segment 3 splits at the page end */
	rte_pktmbuf_free(m);

	m = fe_chain(nif_test_mp, lens, 45, NULL, 2);
	m->ol_flags = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->tso_segsz = MSS;
	assert_int_equal(nif_rx_slot_layout(m, NIF_LAYOUT_NAIVE, 0, NULL, 0, NULL), 45);
	q = rxq_make(fe, &feat_all, NIF_LAYOUT_NAIVE);
	fe_rx_post(fe, 64, 0, 0);
	assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
	assert_int_equal(nif_rxq_stats(q)->rx_drop_too_many_slots, 1);
	assert_int_equal(nif_rxq_stats(q)->rx_slots, 0);
	nif_rxq_free(q);

	/* The same chain packed: 16 data slots + GSO, data validated only (LRO). */
	m = fe_chain(nif_test_mp, lens, 45, NULL, 2);
	m->ol_flags = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->tso_segsz = MSS;
	q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
	assert_int_equal(nif_rxq_stats(q)->rx_slots, 17);
	assert_int_equal(nif_rxq_stats(q)->rx_gso, 1);
	assert_int_equal(nif_rxq_stats(q)->rx_data_validated, 1);
	assert_int_equal(RING_GET_RESPONSE(&fe->rx, 0)->flags,
			 NETRXF_more_data | NETRXF_extra_info | NETRXF_data_validated);
	nif_rxq_free(q);
}

struct flag_case {
	uint64_t ol;
	uint32_t ptype;
	uint32_t len;
	uint16_t want_flags;  /* first response, without more_data/extra_info */
	int gso_type;         /* XEN_NETIF_GSO_TYPE_*, NONE: no extra slot */
};

/* GSO extra placement/type and checksum flags for each kind of mbuf. */
static void test_rx_gso_and_csum_flags(void **state)
{
	static const struct flag_case cases[] = {
		{ 0, 0, 60, 0, XEN_NETIF_GSO_TYPE_NONE },
		{ RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, 1000, NETRXF_data_validated, 0 },
		{ RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_BAD, 0, 1000, 0, 0 },
		{ RTE_MBUF_F_RX_L4_CKSUM_BAD, 0, 1000, 0, 0 },
		{ RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM, 0, 1000,
		  NETRXF_csum_blank | NETRXF_data_validated, 0 },
		{ RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, 0, 1518,
		  NETRXF_csum_blank | NETRXF_data_validated, 0 },
		{ RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG, 0, 30000,
		  NETRXF_csum_blank | NETRXF_data_validated, XEN_NETIF_GSO_TYPE_TCPV4 },
		{ RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG, 0, 9000,
		  NETRXF_csum_blank | NETRXF_data_validated, XEN_NETIF_GSO_TYPE_TCPV6 },
		{ RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		  RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP, 20000,
		  NETRXF_data_validated, XEN_NETIF_GSO_TYPE_TCPV6 },
		/* TSO-flagged but within the MTU: no extra slot needed. */
		{ RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG, 0, 1200,
		  NETRXF_csum_blank | NETRXF_data_validated, 0 },
	};
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		const struct flag_case *c = &cases[i];
		uint16_t len = (uint16_t)RTE_MIN(c->len, 16000u);
		uint16_t lens[2] = { len, (uint16_t)(c->len - len) };
		struct rte_mbuf *m = fe_chain(nif_test_big_mp, lens, c->len > len ? 2 : 1,
					      NULL, i);
		uint16_t nd = (uint16_t)((c->len + 4095) / 4096), gso = c->gso_type != 0;
		netif_rx_response_t *rsp;
		uint16_t flags;

		m->ol_flags = c->ol;
		m->packet_type = c->ptype;
		m->tso_segsz = MSS;
		fe_rx_post(fe, (uint16_t)(nd + gso), 0, 0);
		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(fe->rx_sring->rsp_prod - fe->rx.rsp_cons, nd + gso);
		rsp = RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons);
		flags = c->want_flags | (nd > 1 ? NETRXF_more_data : 0) |
			(gso ? NETRXF_extra_info : 0);
		assert_int_equal(rsp->flags, flags);
		if (gso) {
			netif_extra_info_t *ex = (void *)RING_GET_RESPONSE(&fe->rx,
									  fe->rx.rsp_cons + 1);
			assert_int_equal(ex->type, XEN_NETIF_EXTRA_TYPE_GSO);
			assert_int_equal(ex->u.gso.type, c->gso_type);
			assert_int_equal(ex->u.gso.size, MSS);
			assert_int_equal(ex->u.gso.features, 0);
		}
		fe->rx.rsp_cons += nd + gso;
	}
	assert_int_equal(nif_rxq_stats(q)->rx_packets, RTE_DIM(cases));
	assert_int_equal(nif_rxq_stats(q)->rx_gso, 3);
	assert_int_equal(nif_rxq_stats(q)->rx_csum_blank, 5);
	assert_int_equal(nif_rxq_stats(q)->rx_data_validated, 2);
	nif_rxq_free(q);
}

struct drop_case {
	struct nif_rx_features feat;
	uint64_t ol;
	uint32_t len;
	uint16_t mss;
	size_t counter; /* offsetof(struct nif_rx_stats, ...) */
};

/* Packets the guest can never take are dropped, freed and counted; the ring is untouched. */
static void test_rx_drops(void **state)
{
	static const uint64_t tso4 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
				     RTE_MBUF_F_TX_TCP_CKSUM;
	static const uint64_t tso6 = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6 |
				     RTE_MBUF_F_TX_TCP_CKSUM;
	struct nif_rx_features no_gso4 = feat_all, no_gso6 = feat_all, nosg = feat_all;
	struct nif_rx_features no_csum4 = feat_all, no_csum6 = feat_all;
	struct fe *fe = *state;

	no_gso4.gso_tcpv4 = false;
	no_gso6.gso_tcpv6 = false;
	nosg.sg = false;
	nosg.mtu = 9000;
	no_csum4.csum_ipv4 = false;
	no_csum6.csum_ipv6 = false;
	const struct drop_case cases[] = {
		{ no_gso4, tso4, 30000, MSS, offsetof(struct nif_rx_stats, rx_drop_no_gso) },
		{ no_gso6, tso6, 30000, MSS, offsetof(struct nif_rx_stats, rx_drop_no_gso) },
		{ feat_all, tso4, 30000, 0, offsetof(struct nif_rx_stats, rx_drop_bad_gso) },
		{ feat_all, 0, 3000, 0, offsetof(struct nif_rx_stats, rx_drop_oversize) },
		{ nosg, 0, 5000, 0, offsetof(struct nif_rx_stats, rx_drop_too_many_slots) },
		{ no_csum4, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM, 500, 0,
		  offsetof(struct nif_rx_stats, rx_drop_no_csum) },
		{ no_csum6, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, 500, 0,
		  offsetof(struct nif_rx_stats, rx_drop_no_csum) },
	};

	fe_rx_post(fe, 40, 0, 0);
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		struct nif_rxq *q = rxq_make(fe, &cases[i].feat, NIF_LAYOUT_PACKED);
		uint16_t first = (uint16_t)RTE_MIN(cases[i].len, 16000u);
		uint16_t lens[2] = { first, (uint16_t)(cases[i].len - first) };
		struct rte_mbuf *m = fe_chain(nif_test_big_mp, lens, lens[1] ? 2 : 1, NULL, i);
		const struct nif_rx_stats *st = nif_rxq_stats(q);

		m->ol_flags = cases[i].ol;
		m->tso_segsz = cases[i].mss;
		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(*(const uint64_t *)((const char *)st + cases[i].counter), 1);
		assert_int_equal(st->rx_slots, 0);
		assert_int_equal(st->rx_packets, 0);
		assert_int_equal(fe->rx_sring->rsp_prod, 0);
		nif_rxq_free(q);
	}

	/* A corrupt chain (pkt_len disagrees with the segments) is dropped too. */
	{
		struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
		uint16_t lens[2] = { 100, 100 };
		struct rte_mbuf *m = fe_chain(nif_test_mp, lens, 2, NULL, 9);

		m->pkt_len = 150;
		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(nif_rxq_stats(q)->rx_drop_bad_mbuf, 1);
		nif_rxq_free(q);
	}
}

/* Not enough requests: nothing consumed, req_event armed, packet stays the caller's. */
static void test_rx_not_enough_requests(void **state)
{
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	uint16_t lens[2] = { 60, 5000 };
	struct rte_mbuf *pkts[2];

	pkts[0] = fe_chain(nif_test_mp, lens, 1, NULL, 1);
	pkts[1] = fe_chain(nif_test_big_mp, &lens[1], 1, NULL, 2);
	pkts[1]->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	pkts[1]->tso_segsz = MSS;
	fe_rx_post(fe, 2, 0, 0); /* packet 0 needs 1, packet 1 needs 2 data + 1 extra */
	assert_int_equal(rx_burst(fe, q, pkts, 2, 0), 1);
	assert_int_equal(fe->rx_sring->rsp_prod, 1);
	assert_int_equal(fe->rx_sring->req_event, 1 + 3);
	assert_int_equal(nif_rxq_stats(q)->rx_no_slots, 1);
	assert_int_equal(nif_rxq_stats(q)->rx_slots, 1);

	/* Still short by one: still held. */
	fe_rx_post(fe, 1, 10, 10);
	assert_int_equal(rx_burst(fe, q, &pkts[1], 1, 0), 0);
	assert_int_equal(fe->rx_sring->rsp_prod, 1);
	/* Enough now. */
	fe_rx_post(fe, 1, 11, 11);
	assert_int_equal(rx_burst(fe, q, &pkts[1], 1, 0), 1);
	assert_int_equal(fe->rx_sring->rsp_prod, 4);
	assert_int_equal(nif_rxq_stats(q)->rx_packets, 2);
	nif_rxq_free(q);
}

/* Every grant-copy failure status: that packet's data slots say ERROR, others deliver. */
static void test_rx_gcopy_failures(void **state)
{
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	uint64_t err = 0;

	for (unsigned int i = 0; i <= FE_NB_GCOPY_FAIL_STATUSES; i++) {
		uint16_t lens[3] = { 100, 9000, 100 };
		struct rte_mbuf *pkts[3];
		RING_IDX c = fe->rx.rsp_cons;

		for (int p = 0; p < 3; p++) {
			pkts[p] = fe_chain(nif_test_big_mp, &lens[p], 1, NULL, p);
			pkts[p]->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
					    RTE_MBUF_F_TX_TCP_CKSUM;
			pkts[p]->tso_segsz = MSS;
		}
		fe_rx_post(fe, 1 + 4 + 1, 0, 0);
		if (i < FE_NB_GCOPY_FAIL_STATUSES) {
			fe->fail_seg = 2; /* packet 1's second segment */
			fe->fail_status = fe_gcopy_fail_statuses[i];
			assert_int_equal(rx_burst(fe, q, pkts, 3, 0), 3);
		} else {
			/* The whole batch refused: every packet fails. */
			assert_int_equal(rx_burst(fe, q, pkts, 3, -EINVAL), 3);
		}
		fe->fail_seg = FE_NO_FAIL;
		assert_int_equal(fe->rx_sring->rsp_prod - c, 6);
		for (int k = 0; k < 6; k++) {
			netif_rx_response_t *r = RING_GET_RESPONSE(&fe->rx, c + k);
			bool pkt1 = k >= 1 && k <= 4;
			bool failed = i == FE_NB_GCOPY_FAIL_STATUSES || pkt1;

			if (k == 2) { /* the GSO extra slot is left intact */
				assert_int_equal(((netif_extra_info_t *)r)->type,
						 XEN_NETIF_EXTRA_TYPE_GSO);
				continue;
			}
			if (failed)
				assert_int_equal(r->status, NETIF_RSP_ERROR);
			else
				assert_int_equal(r->status, 100);
		}
		assert_int_equal(RING_GET_RESPONSE(&fe->rx, c + 1)->flags,
				 NETRXF_more_data | NETRXF_extra_info | NETRXF_csum_blank |
				 NETRXF_data_validated);
		err += i < FE_NB_GCOPY_FAIL_STATUSES ? 1 : 3;
		assert_int_equal(nif_rxq_stats(q)->rx_gcopy_err, err);
		fe->rx.rsp_cons = c + 6;
	}
	nif_rxq_free(q);

	/* A bogus gref posted by the frontend fails in the copy, not in the backend. */
	q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	{
		uint16_t len = 200;
		struct rte_mbuf *m = fe_chain(nif_test_mp, &len, 1, NULL, 5);

		fe_rx_post(fe, 1, 3, FE_NB_PAGES + 1000);
		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons)->status,
				 NETIF_RSP_ERROR);
		assert_int_equal(nif_rxq_stats(q)->rx_gcopy_err, 1);
	}
	nif_rxq_free(q);
}

/* A frontend claiming more requests than the ring holds makes the queue fatal. */
static void test_rx_impossible_reqs(void **state)
{
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	uint16_t len = 100;
	struct rte_mbuf *m = fe_chain(nif_test_mp, &len, 1, NULL, 1);

	fe->rx_sring->req_prod = 300;
	assert_int_equal(rx_burst(fe, q, &m, 1, 0), 0);
	assert_int_equal(nif_rxq_fatal(q), NIF_FATAL_IMPOSSIBLE_REQS);
	assert_int_equal(nif_rxq_stats(q)->rx_fatal_impossible_reqs, 1);
	assert_int_equal(fe->rx_sring->rsp_prod, 0);
	rte_pktmbuf_free(m);
	nif_rxq_free(q);

	/* Attaching to such a ring is refused. */
	{
		struct nif_rxq_conf conf = {
			.sring = fe->rx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
			.features = feat_all, .socket_id = SOCKET_ID_ANY,
		};
		assert_null(nif_rxq_create(&conf));
		conf.ring_bytes = 3000;
		assert_null(nif_rxq_create(&conf));
	}
}

/* Frames to groups the guest did not join are dropped before any slot is used, counted. */
static void test_rx_mcast_filter(void **state)
{
	static const uint8_t dst[4][6] = {
		{0x01, 0x00, 0x5e, 0x01, 0x02, 0x03}, /* joined */
		{0x01, 0x00, 0x5e, 0x01, 0x02, 0x04}, /* not joined: filtered */
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* broadcast: always */
		{0x00, 0x16, 0x3e, 0x00, 0x00, 0x01}, /* unicast */
	};
	struct fe *fe = *state;
	struct nif_mcast f;
	struct nif_rxq_conf conf = {
		.sring = fe->rx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.features = feat_all, .layout = NIF_LAYOUT_PACKED, .socket_id = SOCKET_ID_ANY,
		.mcast = &f,
	};
	struct rte_mbuf *m[4];
	struct nif_rxq *q;
	uint16_t len = 60;

	nif_mcast_init(&f);
	assert_int_equal(nif_mcast_add(&f, dst[0]), 0);
	q = nif_rxq_create(&conf);
	assert_non_null(q);
	for (int control = 0; control < 2; control++) {
		nif_mcast_set_control(&f, control != 0);
		for (unsigned int i = 0; i < 4; i++) {
			m[i] = fe_chain(nif_test_mp, &len, 1, NULL, i);
			memcpy(rte_pktmbuf_mtod(m[i], uint8_t *), dst[i], 6);
		}
		fe_rx_post(fe, 4, 0, 0);
		assert_int_equal(rx_burst(fe, q, m, 4, 0), 4);
	}
	assert_int_equal(nif_rxq_stats(q)->rx_mcast_filtered, 1);
	assert_int_equal(nif_rxq_stats(q)->rx_packets, 7);
	assert_int_equal(nif_rxq_stats(q)->rx_slots, 7);
	nif_rxq_free(q);
}

/* Notification: pushed responses notify only when rsp_event is crossed. */
static void test_rx_notify(void **state)
{
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	uint16_t len = 100;
	nif_gcopy_seg *segs;
	bool notify;

	for (int round = 0; round < 2; round++) {
		struct rte_mbuf *m = fe_chain(nif_test_mp, &len, 1, NULL, 1);

		fe_rx_post(fe, 1, 0, 0);
		assert_int_equal(nif_rx_prepare_burst(q, &m, 1), 1);
		uint32_t nsegs = nif_rx_gcopy_segs(q, &segs);

		assert_int_equal(nsegs, 1);
		fe_gcopy(fe, nsegs, segs);
		assert_int_equal(nif_rx_finish_burst(q, 0, &notify), 0);
		/* rsp_event starts at 1 (SHARED_RING_INIT): first push notifies, not the next. */
		assert_int_equal(notify, round == 0);
	}
	assert_int_equal(nif_rx_finish_burst(q, 0, &notify), -EINVAL);
	nif_rxq_free(q);
}

/*
 * A backend restart on guest RX: backend A fills two single-slot packets, then takes two
 * more and dies before answering; backend B attaches at rsp_prod and fills the buffers A
 * had taken afresh, then the rest. At the 2^32 wrap too. The guest sees each of its
 * buffers answered once, in order.
 */
static void test_rx_resume(void **state)
{
	static const RING_IDX starts[] = {0, 0xfffffffdu};
	struct fe *fe = *state;
	static uint8_t lin[1000];

	for (unsigned int t = 0; t < RTE_DIM(starts); t++) {
		RING_IDX start = starts[t];
		struct rte_mbuf *m[6];
		struct nif_rxq *a, *b;
		struct nif_ring_pos pos;

		fe->rx_sring->req_prod = fe->rx_sring->rsp_prod = start;
		fe->rx_sring->req_event = fe->rx_sring->rsp_event = start + 1;
		fe->rx.req_prod_pvt = fe->rx.rsp_cons = start;
		fe_rx_post(fe, 6, 40, 20);
		for (unsigned int i = 0; i < 6; i++)
			m[i] = fe_chain(nif_test_mp, (const uint16_t[]){(uint16_t)(600 + i)}, 1,
					NULL, 0x77 + i);
		a = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
		assert_int_equal(rx_burst(fe, a, m, 2, 0), 2);
		assert_int_equal(nif_rx_prepare_burst(a, m + 2, 2), 2); /* then the crash */
		nif_rxq_free(a); /* frees m[2], m[3] with the unfinished burst */
		assert_int_equal(fe->rx_sring->rsp_prod, start + 2);
		for (unsigned int i = 2; i < 4; i++)
			m[i] = fe_chain(nif_test_mp, (const uint16_t[]){(uint16_t)(600 + i)}, 1,
					NULL, 0x77 + i);
		b = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
		pos = nif_rxq_attach_pos(b);
		assert_int_equal(pos.rsp_prod, start + 2);
		assert_int_equal(pos.req_prod, start + 6);
		assert_int_equal(rx_burst(fe, b, m + 2, 4, 0), 4);
		for (unsigned int i = 0; i < 6; i++) {
			struct rte_mbuf *c = fe_chain(nif_test_mp,
						      (const uint16_t[]){(uint16_t)(600 + i)}, 1,
						      NULL, 0x77 + i);

			fe_linearize(c, lin);
			rte_pktmbuf_free(c);
			check_rx_packet(fe, lin, 600 + i, false, (uint16_t)(40 + i), 20 + i);
		}
		assert_int_equal(fe->rx_sring->rsp_prod, start + 6);
		nif_rxq_free(b);
	}
}

/* One packet of @len bytes through @q at headroom @h (a TSO packet when over 1518 bytes).
 * @return whether it was placed: with a headroom (an XDP program in netfront) a GSO or
 * multi-slot packet is dropped and counted instead, nothing answered. */
static bool rx_one_at(struct fe *fe, struct nif_rxq *q, uint32_t *x, uint32_t len, uint16_t h,
		      int it)
{
	static uint8_t lin[65536];
	struct rte_mbuf *m = rand_chain(x, len, it % 3 == 0, (uint32_t)it);
	uint16_t sizes[NIF_MAX_DATA_SLOTS], nd = slots_for(len, h);
	bool gso = len > 1518;
	uint16_t id0 = (uint16_t)(it * 37);
	grant_ref_t gref0 = (grant_ref_t)((it * 19) % (FE_NB_PAGES - 20));

	assert_non_null(m);
	fe_linearize(m, lin);
	assert_int_equal(nif_rx_slot_layout(m, NIF_LAYOUT_PACKED, h, sizes, NIF_MAX_DATA_SLOTS,
					    NULL), nd);
	assert_int_equal(sizes[0], RTE_MIN(NIF_PAGE_SIZE - h, len));
	if (gso) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		m->tso_segsz = MSS;
	}
	if (h != 0 && (gso || nd > 1)) {
		const struct nif_rx_stats *st = nif_rxq_stats(q);
		uint64_t before = st->rx_drop_no_gso + st->rx_drop_too_many_slots;
		RING_IDX prod = fe->rx_sring->rsp_prod;

		assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
		assert_int_equal(fe->rx_sring->rsp_prod, prod);
		assert_int_equal(st->rx_drop_no_gso + st->rx_drop_too_many_slots, before + 1);
		return false;
	}
	for (uint16_t k = 0; k < nd + gso; k++)
		memset(fe_page(fe, gref0 + k), 0xa5, NIF_PAGE_SIZE);
	fe_rx_post(fe, (uint16_t)(nd + gso), id0, gref0);
	assert_int_equal(rx_burst(fe, q, &m, 1, 0), 1);
	assert_int_equal(fe->rx_sring->rsp_prod, fe->rx.rsp_cons + nd + gso);
	check_rx_packet_at(fe, lin, len, gso, id0, gref0, h);
	return true;
}

/*
 * #15 xdp-headroom: each packet's first slot starts at the headroom (its response's offset
 * says so) and holds NIF_PAGE_SIZE - headroom bytes at most; the layout of a 64 KiB TSO
 * packet takes one more slot, but while a headroom is set (netfront has an XDP program,
 * which sees single-slot packets only) GSO and multi-slot packets are dropped and counted.
 * A change applies from the next packet prepared.
 */
static void test_rx_headroom(void **state)
{
	static const uint16_t heads[] = { 256, 1, 2048, 0, 256 };
	static const uint32_t edges[] = { 60, 1514, 3839, 3840, 3841, 4096, 7936, 65535 };
	struct fe *fe = *state;
	struct nif_rxq *q = rxq_make(fe, &feat_all, NIF_LAYOUT_PACKED);
	struct nif_rxq_conf bad = {
		.sring = fe->rx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.features = feat_all, .headroom = NIF_RX_HEADROOM_MAX + 1,
		.socket_id = SOCKET_ID_ANY,
	};
	struct rte_mbuf *m;
	nif_gcopy_seg *segs;
	uint32_t x = 777, nsegs;
	bool notify;
	int it = 0, placed = 0, dropped = 0;

	assert_null(nif_rxq_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(nif_rxq_set_headroom(q, NIF_RX_HEADROOM_MAX + 1), -EINVAL);
	for (unsigned int i = 0; i < RTE_DIM(heads); i++) {
		assert_int_equal(nif_rxq_set_headroom(q, heads[i]), 0);
		for (unsigned int e = 0; e < RTE_DIM(edges); e++)
			placed += rx_one_at(fe, q, &x, edges[e], heads[i], it++);
		for (int r = 0; r < 40; r++)
			placed += rx_one_at(fe, q, &x, pick_len(&x, 100 + r), heads[i], it++);
		/* the edges over 1518 bytes are TSO packets: none placed at a headroom */
		if (heads[i] != 0)
			dropped += 6;
	}
	/* The exact counts: a 64 KiB packet is 16 slots flat, 17 with any headroom. */
	assert_int_equal(slots_for(65536, 0), 16);
	assert_int_equal(slots_for(65536, 256), 17);
	assert_int_equal(slots_for(3840, 256), 1);
	assert_int_equal(slots_for(3841, 256), 2);
	assert_int_equal(nif_rxq_stats(q)->rx_gcopy_err, 0);
	assert_int_equal(nif_rxq_stats(q)->rx_packets, (uint64_t)placed);
	assert_true(it - placed >= dropped);
	assert_int_equal(nif_rxq_stats(q)->rx_drop_no_gso + nif_rxq_stats(q)->rx_drop_too_many_slots,
			 (uint64_t)(it - placed));
	/* Not inside a burst: the prepared packets' layout is already decided. */
	m = rand_chain(&x, 1000, false, 1);
	fe_rx_post(fe, 1, 0, 0);
	assert_int_equal(nif_rx_prepare_burst(q, &m, 1), 1);
	assert_int_equal(nif_rxq_set_headroom(q, 0), -EBUSY);
	nsegs = nif_rx_gcopy_segs(q, &segs);
	assert_int_equal(fe_gcopy(fe, nsegs, segs), 0);
	assert_int_equal(nif_rx_finish_burst(q, 0, &notify), 0);
	assert_int_equal(RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons)->offset, 256);
	assert_int_equal(RING_GET_RESPONSE(&fe->rx, fe->rx.rsp_cons)->status, 1000);
	fe->rx.rsp_cons++;
	nif_rxq_free(q);
}

int nif_test_rx_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_packed_equals_linear, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_headroom, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_naive_layout, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_gso_and_csum_flags, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_drops, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_not_enough_requests, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_gcopy_failures, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_impossible_reqs, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_resume, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_mcast_filter, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_notify, nif_test_setup,
						nif_test_teardown),
	};

	return cmocka_run_group_tests_name("nif_rx", tests, NULL, NULL);
}
