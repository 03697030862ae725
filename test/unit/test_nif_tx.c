/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest TX (guest -> backend) tests of lib/netif: validation tiers, copies, offloads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_nif_fe.h"

#define BURST 64

struct tx_slot {
	grant_ref_t gref;
	uint16_t offset;
	uint16_t size;
};

static struct nif_txq *txq_make(struct fe *fe, struct rte_mempool *mp)
{
	struct nif_txq_conf conf = {
		.sring = fe->tx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.mp = mp, .socket_id = SOCKET_ID_ANY,
	};
	struct nif_txq *q = nif_txq_create(&conf);

	assert_non_null(q);
	return q;
}

static void fe_tx_raw(struct fe *fe, grant_ref_t gref, uint16_t offset, uint16_t flags,
		      uint16_t id, uint16_t size)
{
	netif_tx_request_t *req = RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt++);

	req->gref = gref;
	req->offset = offset;
	req->flags = flags;
	req->id = id;
	req->size = size;
}

static void fe_tx_extra(struct fe *fe, const netif_extra_info_t *ex)
{
	netif_tx_request_t *req = RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt++);

	memset(req, 0, sizeof(*req));
	memcpy(req, ex, sizeof(*ex));
}

static void fe_tx_push(struct fe *fe)
{
	RING_PUSH_REQUESTS(&fe->tx);
}

/* Post one packet: @data spread over @slots (bytes written into the guest pages). */
static void fe_tx_post(struct fe *fe, const uint8_t *data, const struct tx_slot *slots,
		       uint16_t n, uint16_t flags0, const netif_extra_info_t *extras,
		       uint16_t nb_extras, uint16_t id0)
{
	uint32_t total = 0, off = 0;

	for (uint16_t i = 0; i < n; i++)
		total += slots[i].size;
	for (uint16_t i = 0; i < n; i++) {
		uint16_t fl = i == 0 ? flags0 : 0;

		if (i + 1 < n)
			fl |= NETTXF_more_data;
		if (i == 0 && nb_extras > 0)
			fl |= NETTXF_extra_info;
		memcpy(fe_page(fe, slots[i].gref) + slots[i].offset, data + off, slots[i].size);
		off += slots[i].size;
		fe_tx_raw(fe, slots[i].gref, slots[i].offset, fl, (uint16_t)(id0 + i),
			  i == 0 ? (uint16_t)total : slots[i].size);
		for (uint16_t e = 0; i == 0 && e < nb_extras; e++) {
			netif_extra_info_t ex = extras[e];

			if (e + 1 < nb_extras)
				ex.flags |= XEN_NETIF_EXTRA_FLAG_MORE;
			fe_tx_extra(fe, &ex);
		}
	}
	fe_tx_push(fe);
}

/* One burst; returns delivered mbufs in @out. */
static uint16_t tx_burst(struct fe *fe, struct nif_txq *q, struct rte_mbuf **out,
			 int copy_rc_override, uint16_t *staged)
{
	nif_gcopy_seg *segs;
	uint16_t n = nif_tx_prepare_burst(q, BURST), nb_out;
	uint32_t nsegs = nif_tx_gcopy_segs(q, &segs);
	bool notify;
	int rc = 0;

	for (uint32_t i = 0; i < nsegs; i++) {
		assert_int_equal(segs[i].flags, GNTCOPY_source_gref);
		assert_int_equal(segs[i].source.foreign.domid, FE_DOMID);
		assert_true(segs[i].source.foreign.offset + segs[i].len <= NIF_PAGE_SIZE);
	}
	if (nsegs > 0)
		rc = fe_gcopy(fe, nsegs, segs);
	if (copy_rc_override < 0)
		rc = copy_rc_override;
	assert_int_equal(nif_tx_finish_burst(q, rc, out, &nb_out, &notify), 0);
	assert_true(nb_out <= n);
	if (staged != NULL)
		*staged = n;
	return nb_out;
}

static void free_all(struct rte_mbuf **m, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* Check the responses of one packet at ring index @c: @n slots, extras at 1..nb_extras. */
static void check_tx_rsp(struct fe *fe, RING_IDX c, uint16_t n, uint16_t nb_extras,
			 uint16_t id0, int16_t status)
{
	for (uint16_t k = 0; k < n + nb_extras; k++) {
		netif_tx_response_t *r = RING_GET_RESPONSE(&fe->tx, c + k);

		if (k >= 1 && k <= nb_extras) {
			assert_int_equal(r->status, NETIF_RSP_NULL);
			continue;
		}
		assert_int_equal(r->status, status);
		assert_int_equal(r->id, id0 + (k == 0 ? 0 : k - nb_extras));
	}
}

static uint32_t rnd(uint32_t *x, uint32_t lo, uint32_t hi)
{
	*x = *x * 1103515245u + 12345u;
	return lo + (*x >> 8) % (hi - lo + 1);
}

static void fill(uint8_t *d, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		d[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static void check_mbuf_bytes(const struct rte_mbuf *m, const uint8_t *data, uint32_t len)
{
	static uint8_t lin[65536];
	uint32_t room = rte_pktmbuf_data_room_size(nif_test_mp) - RTE_PKTMBUF_HEADROOM;

	assert_int_equal(m->pkt_len, len);
	assert_int_equal(m->nb_segs, (len + room - 1) / room);
	fe_linearize(m, lin);
	assert_memory_equal(lin, data, len);
}

/* Random packets of 1..19 slots (netback's most), odd offsets, up to 64 KiB: the bytes arrive intact. */
static void test_tx_random_packets(void **state)
{
	struct fe *fe = *state;
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	static uint8_t data[8][65536];
	uint32_t x = 99, lens[8];
	struct rte_mbuf *out[BURST];
	uint64_t pkts = 0;

	for (int round = 0; round < 40; round++) {
		uint16_t np = (uint16_t)rnd(&x, 1, 8), id = 0;
		RING_IDX c = fe->tx.rsp_cons;
		uint16_t nslots[8];
		grant_ref_t g = 0;

		for (uint16_t p = 0; p < np; p++) {
			struct tx_slot s[NIF_MAX_DATA_SLOTS + 1];
			uint16_t n = (uint16_t)rnd(&x, 1, NIF_MAX_DATA_SLOTS + 1);
			uint32_t total = 0;

			for (uint16_t i = 0; i < n; i++) {
				uint16_t off = (uint16_t)rnd(&x, 0, 4000);
				uint16_t max = (uint16_t)RTE_MIN(4096u - off, 65535u - total - (n - i - 1));

				s[i].gref = g++;
				s[i].offset = off;
				s[i].size = (uint16_t)rnd(&x, i == 0 ? 14 : 0, max);
				total += s[i].size;
			}
			lens[p] = total;
			nslots[p] = n;
			fill(data[p], total, (uint32_t)(round * 8 + p));
			fe_tx_post(fe, data[p], s, n, 0, NULL, 0, id);
			id = (uint16_t)(id + n);
		}
		assert_int_equal(tx_burst(fe, q, out, 0, NULL), np);
		id = 0;
		for (uint16_t p = 0; p < np; p++) {
			check_mbuf_bytes(out[p], data[p], lens[p]);
			assert_int_equal(out[p]->ol_flags, 0);
			check_tx_rsp(fe, c, nslots[p], 0, id, NETIF_RSP_OKAY);
			c += nslots[p];
			id = (uint16_t)(id + nslots[p]);
		}
		assert_int_equal(fe->tx_sring->rsp_prod, c);
		fe->tx.rsp_cons = c;
		free_all(out, np);
		pkts += np;
	}
	assert_int_equal(nif_txq_stats(q)->tx_packets, pkts);
	assert_int_equal(nif_txq_stats(q)->tx_error_rsp, 0);
	nif_txq_free(q);
}

/* Ethernet + IPv4/IPv6 + TCP/UDP headers, payload filled. Returns the L4 offset. */
static uint16_t build_pkt(uint8_t *d, uint16_t len, bool v6, bool udp)
{
	struct rte_ether_hdr *eth = (void *)d;
	uint16_t l3 = sizeof(*eth), l4;

	memset(d, 0, len);
	eth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (v6) {
		struct rte_ipv6_hdr *ip = (void *)(d + l3);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->hop_limits = 64;
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - l3 - sizeof(*ip)));
		/* uint8_t[16] in DPDK 22.11, struct rte_ipv6_addr in 24.11: bytes either way */
		((uint8_t *)&ip->src_addr)[15] = 1;
		((uint8_t *)&ip->dst_addr)[15] = 2;
		l4 = (uint16_t)(l3 + sizeof(*ip));
	} else {
		struct rte_ipv4_hdr *ip = (void *)(d + l3);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(len - l3));
		ip->time_to_live = 64;
		ip->next_proto_id = udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(0x0a000001);
		ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
		l4 = (uint16_t)(l3 + sizeof(*ip));
	}
	if (udp) {
		struct rte_udp_hdr *u = (void *)(d + l4);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - l4));
	} else {
		struct rte_tcp_hdr *t = (void *)(d + l4);

		t->data_off = 0x50;
		t->tcp_flags = RTE_TCP_ACK_FLAG;
	}
	fill(d + l4 + 20, (uint32_t)(len - l4 - 20), len);
	return l4;
}

struct offload_case {
	bool v6, udp, arp;
	uint16_t len;
	uint16_t txflags;
	int gso_type;           /* 0: no GSO extra */
	bool hash;
	bool delivered;
	uint64_t want_ol;
	uint16_t mss;           /* GSO size; 0: 1448 */
	uint16_t v6_ext;        /* bytes of IPv6 destination options before the L4 header */
};

/* Put a destination-options header of @ext bytes (a multiple of 8) after the IPv6 header
 * of the frame build_pkt() made. Returns the new L4 offset. */
static uint16_t add_v6_ext(uint8_t *d, uint16_t len, uint16_t ext)
{
	struct rte_ipv6_hdr *ip = (void *)(d + sizeof(struct rte_ether_hdr));
	uint8_t *opt = (uint8_t *)(ip + 1);
	uint16_t l4 = (uint16_t)((opt - d) + ext);

	memmove(opt + ext, opt, (size_t)(len - ext - (opt - d)));
	memset(opt, 0, ext);
	opt[0] = ip->proto;                /* next header */
	opt[1] = (uint8_t)(ext / 8 - 1);   /* length in 8 bytes, less the first 8 */
	opt[2] = 1;                        /* PadN over the rest */
	opt[3] = (uint8_t)RTE_MIN(ext - 4, 255);
	ip->proto = 60;                    /* IPPROTO_DSTOPTS */
	return l4;
}

/* NETTXF_csum_blank / data_validated / GSO / hash extras -> mbuf offload metadata. */
static void test_tx_offloads(void **state)
{
	static const struct offload_case cases[] = {
		{ false, false, false, 1000, NETTXF_csum_blank, 0, false, true,
		  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM },
		{ true, true, false, 1000, NETTXF_csum_blank | NETTXF_data_validated, 0, false,
		  true, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM },
		{ false, false, false, 1000, NETTXF_data_validated, 0, true, true,
		  RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_RSS_HASH },
		{ false, false, false, 30000, NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, false,
		  true, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG |
		  RTE_MBUF_F_TX_IP_CKSUM },
		{ true, false, false, 20000, 0, XEN_NETIF_GSO_TYPE_TCPV6, false, true,
		  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG },
		/* csum_blank on a non-IP frame; GSO type disagreeing with the headers. */
		{ false, false, true, 100, NETTXF_csum_blank, 0, false, false, 0 },
		{ true, false, false, 20000, NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, false,
		  false, 0 },
		/* An MSS no TCP sends; IPv6 headers longer than l3_len's 9 bits hold. */
		{ false, false, false, 30000, NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, false,
		  false, 0, 20, 0 },
		{ true, false, false, 3000, NETTXF_csum_blank, 0, false, false, 0, 0, 520 },
		{ true, false, false, 3000, NETTXF_csum_blank, 0, false, true,
		  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, 0, 464 },
	};
	struct fe *fe = *state;
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	static uint8_t d[32768];

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		const struct offload_case *c = &cases[i];
		struct tx_slot s[NIF_MAX_DATA_SLOTS];
		netif_extra_info_t ex[2];
		uint16_t n = 0, ne = 0, nb, l4 = build_pkt(d, c->len, c->v6, c->udp);
		RING_IDX rc = fe->tx.rsp_cons;
		struct rte_mbuf *out[BURST];

		if (c->v6_ext)
			l4 = add_v6_ext(d, c->len, c->v6_ext);
		if (c->arp)
			((struct rte_ether_hdr *)d)->ether_type =
				rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		for (uint32_t off = 0; off < c->len; off += 4096, n++) {
			s[n].gref = n;
			s[n].offset = 0;
			s[n].size = (uint16_t)RTE_MIN(4096u, (uint32_t)c->len - off);
		}
		memset(ex, 0, sizeof(ex));
		if (c->gso_type) {
			ex[ne].type = XEN_NETIF_EXTRA_TYPE_GSO;
			ex[ne].u.gso.type = (uint8_t)c->gso_type;
			ex[ne++].u.gso.size = c->mss != 0 ? c->mss : 1448;
		}
		if (c->hash) {
			ex[ne].type = XEN_NETIF_EXTRA_TYPE_HASH;
			ex[ne].u.hash.value[0] = 0x78;
			ex[ne++].u.hash.value[3] = 0x12;
		}
		fe_tx_post(fe, d, s, n, c->txflags, ex, ne, 100);
		nb = tx_burst(fe, q, out, 0, NULL);
		assert_int_equal(nb, c->delivered ? 1 : 0);
		/* The copy worked, so the guest hears OKAY even when we drop. */
		check_tx_rsp(fe, rc, n, ne, 100, NETIF_RSP_OKAY);
		fe->tx.rsp_cons = rc + n + ne;
		if (!c->delivered)
			continue;
		assert_int_equal(out[0]->ol_flags, c->want_ol);
		if (c->want_ol & RTE_MBUF_F_TX_L4_MASK) {
			assert_int_equal(out[0]->l2_len, 14);
			assert_int_equal(out[0]->l3_len, l4 - 14);
			assert_int_equal(out[0]->l4_len, c->udp ? 8 : 20);
		}
		if (c->gso_type)
			assert_int_equal(out[0]->tso_segsz, 1448);
		if (c->hash)
			assert_int_equal(out[0]->hash.rss, 0x12000078);
		if (c->gso_type && !(c->txflags & NETTXF_csum_blank)) {
			/* Fixed up: the TCP checksum field now holds the pseudo-header sum. */
			struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(out[0], void *, 14);
			struct rte_tcp_hdr *t = rte_pktmbuf_mtod_offset(out[0], void *, l4);

			assert_int_equal(t->cksum, rte_ipv6_phdr_cksum(ip, 0));
		}
		rte_pktmbuf_free(out[0]);
	}
	assert_int_equal(nif_txq_stats(q)->tx_gso, 2);
	assert_int_equal(nif_txq_stats(q)->tx_gso_csum_fixup, 1);
	assert_int_equal(nif_txq_stats(q)->tx_csum_blank, 4);
	assert_int_equal(nif_txq_stats(q)->tx_drop_csum, 1);
	assert_int_equal(nif_txq_stats(q)->tx_drop_bad_gso, 1);
	assert_int_equal(nif_txq_stats(q)->tx_drop_bad_hdr, 2);
	nif_txq_free(q);
}

/* ---- protocol violations: each one fatal, with its reason and counter ---- */

static void post_impossible(struct fe *fe)
{
	fe_tx_raw(fe, 0, 0, 0, 1, 100);
	fe_tx_push(fe);
	fe->tx_sring->req_prod += 300;
}

static void post_missing_extra(struct fe *fe)
{
	fe_tx_raw(fe, 0, 0, NETTXF_extra_info, 1, 100);
	fe_tx_push(fe);
}

static void post_missing_extra_more(struct fe *fe)
{
	netif_extra_info_t ex = { .type = XEN_NETIF_EXTRA_TYPE_HASH,
				  .flags = XEN_NETIF_EXTRA_FLAG_MORE };

	fe_tx_raw(fe, 0, 0, NETTXF_extra_info, 1, 100);
	fe_tx_extra(fe, &ex);
	fe_tx_push(fe);
}

static void post_extra_type_zero(struct fe *fe)
{
	netif_extra_info_t ex = { .type = XEN_NETIF_EXTRA_TYPE_NONE };

	fe_tx_raw(fe, 0, 0, NETTXF_extra_info, 1, 100);
	fe_tx_extra(fe, &ex);
	fe_tx_push(fe);
}

static void post_extra_type_max(struct fe *fe)
{
	netif_extra_info_t ex = { .type = XEN_NETIF_EXTRA_TYPE_MAX };

	fe_tx_raw(fe, 0, 0, NETTXF_extra_info, 1, 100);
	fe_tx_extra(fe, &ex);
	fe_tx_push(fe);
}

static void post_chain_past_prod(struct fe *fe)
{
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 1, 200);
	fe_tx_raw(fe, 1, 0, NETTXF_more_data, 2, 100);
	fe_tx_push(fe);
}

static void post_too_many_slots(struct fe *fe)
{
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 0, 22 * 10);
	for (uint16_t i = 1; i < 22; i++)
		fe_tx_raw(fe, i, 0, i + 1 < 22 ? NETTXF_more_data : 0, i, 10);
	fe_tx_push(fe);
}

static void post_cross_page_frag(struct fe *fe)
{
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 1, 300);
	fe_tx_raw(fe, 1, 4000, 0, 2, 200);
	fe_tx_push(fe);
}

static void post_cross_page_first(struct fe *fe)
{
	fe_tx_raw(fe, 0, 4000, 0, 1, 200);
	fe_tx_push(fe);
}

static void post_gso(struct fe *fe, uint8_t type, uint16_t size)
{
	netif_extra_info_t ex = { .type = XEN_NETIF_EXTRA_TYPE_GSO };

	ex.u.gso.type = type;
	ex.u.gso.size = size;
	fe_tx_raw(fe, 0, 0, NETTXF_extra_info | NETTXF_csum_blank, 1, 100);
	fe_tx_extra(fe, &ex);
	fe_tx_push(fe);
}

static void post_gso_size_zero(struct fe *fe)
{
	post_gso(fe, XEN_NETIF_GSO_TYPE_TCPV4, 0);
}

static void post_gso_bad_type(struct fe *fe)
{
	post_gso(fe, 7, 1448);
}

struct fatal_case {
	void (*post)(struct fe *fe);
	enum nif_fatal reason;
	size_t counter;
	bool before_good; /* checked before any packet, as netback's ring-index check is */
};

static void test_tx_fatal_classes(void **state)
{
	static const struct fatal_case cases[] = {
		{ post_impossible, NIF_FATAL_IMPOSSIBLE_REQS,
		  offsetof(struct nif_tx_stats, tx_fatal_impossible_reqs), true },
		{ post_missing_extra, NIF_FATAL_MISSING_EXTRA,
		  offsetof(struct nif_tx_stats, tx_fatal_missing_extra) },
		{ post_missing_extra_more, NIF_FATAL_MISSING_EXTRA,
		  offsetof(struct nif_tx_stats, tx_fatal_missing_extra) },
		{ post_extra_type_zero, NIF_FATAL_BAD_EXTRA_TYPE,
		  offsetof(struct nif_tx_stats, tx_fatal_bad_extra_type) },
		{ post_extra_type_max, NIF_FATAL_BAD_EXTRA_TYPE,
		  offsetof(struct nif_tx_stats, tx_fatal_bad_extra_type) },
		{ post_chain_past_prod, NIF_FATAL_SLOTS_EXCEED_REQS,
		  offsetof(struct nif_tx_stats, tx_fatal_slots_exceed_reqs) },
		{ post_too_many_slots, NIF_FATAL_TOO_MANY_SLOTS,
		  offsetof(struct nif_tx_stats, tx_fatal_too_many_slots) },
		{ post_cross_page_frag, NIF_FATAL_CROSS_PAGE,
		  offsetof(struct nif_tx_stats, tx_fatal_cross_page) },
		{ post_cross_page_first, NIF_FATAL_CROSS_PAGE,
		  offsetof(struct nif_tx_stats, tx_fatal_cross_page) },
		{ post_gso_size_zero, NIF_FATAL_GSO_SIZE_ZERO,
		  offsetof(struct nif_tx_stats, tx_fatal_gso_size) },
		{ post_gso_bad_type, NIF_FATAL_GSO_BAD_TYPE,
		  offsetof(struct nif_tx_stats, tx_fatal_gso_type) },
	};
	struct fe *fe = *state;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		static uint8_t d[200];
		struct tx_slot good = { .gref = 100, .offset = 0, .size = 200 };
		struct rte_mbuf *out[BURST];
		struct nif_txq *q;
		const struct nif_tx_stats *st;
		uint16_t staged, good_nb;

		fe_fini(fe);
		fe_init(fe);
		q = txq_make(fe, nif_test_mp);
		st = nif_txq_stats(q);
		/* A good packet first: it is still answered and delivered. */
		fill(d, sizeof(d), i);
		fe_tx_post(fe, d, &good, 1, 0, NULL, 0, 77);
		cases[i].post(fe);
		good_nb = cases[i].before_good ? 0 : 1;
		assert_int_equal(tx_burst(fe, q, out, 0, &staged), good_nb);
		assert_int_equal(staged, good_nb);
		assert_int_equal(nif_txq_fatal(q), cases[i].reason);
		assert_string_not_equal(nif_fatal_str(nif_txq_fatal(q)), "unknown");
		assert_int_equal(*(const uint64_t *)((const char *)st + cases[i].counter), 1);
		assert_int_equal(fe->tx_sring->rsp_prod, good_nb);
		if (good_nb) {
			check_tx_rsp(fe, 0, 1, 0, 77, NETIF_RSP_OKAY);
			rte_pktmbuf_free(out[0]);
		}
		/* Fatal is sticky: nothing more is consumed. */
		assert_int_equal(tx_burst(fe, q, out, 0, &staged), 0);
		assert_int_equal(staged, 0);
		assert_int_equal(fe->tx_sring->rsp_prod, good_nb);
		nif_txq_free(q);
	}
}

/* ---- bad packets that are not fatal: ERROR on every slot, next packet unaffected ---- */

static void test_tx_error_classes(void **state)
{
	struct fe *fe = *state;
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	const struct nif_tx_stats *st = nif_txq_stats(q);
	struct tx_slot good = { .gref = 200, .offset = 10, .size = 60 };
	static uint8_t d[64];
	struct rte_mbuf *out[BURST];
	uint16_t staged;
	RING_IDX c;

	/* 19 slots (1 + 18 follow-ups): the most netback takes. */
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 0, 19 * 20);
	for (uint16_t i = 1; i < 19; i++)
		fe_tx_raw(fe, i, 0, i + 1 < 19 ? NETTXF_more_data : 0, i, 20);
	/* 20 and 21 slots: over the legacy limit, under the fatal one: dropped. */
	for (uint16_t n = 20; n <= 21; n++) {
		fe_tx_raw(fe, 0, 0, NETTXF_more_data, (uint16_t)(n * 10), (uint16_t)(n * 20));
		for (uint16_t i = 1; i < n; i++)
			fe_tx_raw(fe, i, 0, i + 1 < n ? NETTXF_more_data : 0,
				  (uint16_t)(n * 10 + i), 20);
	}
	/* A follow-up bigger than the whole packet (a >= 64 KiB frame overflowed size). */
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 500, 100);
	fe_tx_raw(fe, 1, 0, 0, 501, 300);
	/* A runt: the first slot holds less than an Ethernet header. */
	fe_tx_raw(fe, 0, 0, NETTXF_more_data, 600, 20);
	fe_tx_raw(fe, 1, 0, 0, 601, 10);
	fe_tx_push(fe);
	fe_tx_post(fe, d, &good, 1, 0, NULL, 0, 700);

	assert_int_equal(tx_burst(fe, q, out, 0, &staged), 2);
	assert_int_equal(staged, 6);
	assert_int_equal(nif_txq_fatal(q), NIF_FATAL_NONE);
	assert_int_equal(out[0]->pkt_len, 19 * 20);
	c = 0;
	check_tx_rsp(fe, c, 19, 0, 0, NETIF_RSP_OKAY);
	c += 19;
	check_tx_rsp(fe, c, 20, 0, 200, NETIF_RSP_ERROR);
	c += 20;
	check_tx_rsp(fe, c, 21, 0, 210, NETIF_RSP_ERROR);
	c += 21;
	check_tx_rsp(fe, c, 2, 0, 500, NETIF_RSP_ERROR);
	c += 2;
	check_tx_rsp(fe, c, 2, 0, 600, NETIF_RSP_ERROR);
	c += 2;
	check_tx_rsp(fe, c, 1, 0, 700, NETIF_RSP_OKAY);
	assert_int_equal(fe->tx_sring->rsp_prod, c + 1);
	assert_int_equal(st->tx_drop_too_many_slots, 2);
	assert_int_equal(st->tx_drop_size_overflow, 1);
	assert_int_equal(st->tx_drop_runt, 1);
	assert_int_equal(st->tx_error_rsp, 4);
	assert_int_equal(st->tx_packets, 2);
	assert_int_equal(st->tx_slots, 19 + 20 + 21 + 2 + 2 + 1);
	rte_pktmbuf_free(out[1]);
	rte_pktmbuf_free(out[0]);
	nif_txq_free(q);
}

/* Every copy failure status (and a refused batch): that packet dropped with ERROR. */
static void test_tx_gcopy_failures(void **state)
{
	struct fe *fe = *state;
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	static uint8_t d[3][6000];
	uint64_t err = 0;

	for (unsigned int i = 0; i <= FE_NB_GCOPY_FAIL_STATUSES; i++) {
		struct tx_slot s1[1] = { { 0, 0, 100 } };
		struct tx_slot s2[2] = { { 1, 0, 4096 }, { 2, 0, 1904 } };
		struct tx_slot s3[1] = { { 3, 50, 100 } };
		netif_extra_info_t gso = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
		struct rte_mbuf *out[BURST];
		RING_IDX c = fe->tx.rsp_cons;
		bool all = i == FE_NB_GCOPY_FAIL_STATUSES;
		uint16_t nb;

		build_pkt(d[1], 6000, false, false);
		gso.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
		gso.u.gso.size = 1448;
		fe_tx_post(fe, d[0], s1, 1, 0, NULL, 0, 10);
		fe_tx_post(fe, d[1], s2, 2, NETTXF_csum_blank, &gso, 1, 20);
		fe_tx_post(fe, d[2], s3, 1, 0, NULL, 0, 30);
		if (!all) {
			fe->fail_seg = 1 + (i % 3); /* one of packet 2's segments */
			fe->fail_status = fe_gcopy_fail_statuses[i];
		}
		nb = tx_burst(fe, q, out, all ? -EIO : 0, NULL);
		fe->fail_seg = FE_NO_FAIL;
		assert_int_equal(nb, all ? 0 : 2);
		check_tx_rsp(fe, c, 1, 0, 10, all ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
		check_tx_rsp(fe, c + 1, 2, 1, 20, NETIF_RSP_ERROR);
		check_tx_rsp(fe, c + 4, 1, 0, 30, all ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
		fe->tx.rsp_cons = c + 5;
		err += all ? 3 : 1;
		assert_int_equal(nif_txq_stats(q)->tx_gcopy_err, err);
		free_all(out, nb);
	}
	/* A bogus gref from the frontend fails in the copy: ERROR, no crash. */
	{
		struct rte_mbuf *out[BURST];
		RING_IDX c = fe->tx.rsp_cons;

		fe_tx_raw(fe, FE_NB_PAGES + 5, 0, 0, 55, 100);
		fe_tx_push(fe);
		assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
		check_tx_rsp(fe, c, 1, 0, 55, NETIF_RSP_ERROR);
	}
	nif_txq_free(q);
}

/* An empty pool stops the burst with the packet's requests left on the ring. */
static void test_tx_no_mbuf(void **state)
{
	struct fe *fe = *state;
	struct rte_mempool *small = rte_pktmbuf_pool_create("nif_small", 8, 0, 0,
							    RTE_MBUF_DEFAULT_BUF_SIZE,
							    SOCKET_ID_ANY);
	struct tx_slot s1 = { 0, 0, 100 };
	struct tx_slot s2[8];
	static uint8_t d[32768];
	struct rte_mbuf *out[BURST];
	struct nif_txq *q;
	uint16_t staged;

	assert_non_null(small);
	q = txq_make(fe, small);
	for (int i = 0; i < 8; i++)
		s2[i] = (struct tx_slot){ (grant_ref_t)(1 + i), 0, 4000 };
	fe_tx_post(fe, d, &s1, 1, 0, NULL, 0, 1);
	fe_tx_post(fe, d, s2, 8, 0, NULL, 0, 2); /* 32000 B: 16 mbufs of 2 KiB */
	assert_int_equal(tx_burst(fe, q, out, 0, &staged), 1);
	assert_int_equal(staged, 1);
	assert_int_equal(nif_txq_stats(q)->tx_no_mbuf, 1);
	assert_int_equal(fe->tx_sring->rsp_prod, 1);
	rte_pktmbuf_free(out[0]);
	/* Still short: still nothing consumed, and no leak. */
	assert_int_equal(tx_burst(fe, q, out, 0, &staged), 0);
	assert_int_equal(fe->tx_sring->rsp_prod, 1);
	assert_int_equal(nif_txq_stats(q)->tx_no_mbuf, 2);
	assert_int_equal(rte_mempool_in_use_count(small), 0);
	nif_txq_free(q);
	rte_mempool_free(small);
}

/*
 * #14 rate=: xen-netback's credit scheduler. 1000 B per 200 ms window: of three 600-byte
 * packets one goes, the next waits on the ring (counted once however many bursts it waits)
 * until the window ends, then both go. A packet larger than a window's credit passes once
 * enough has built up; rate 0 is unlimited again.
 */
static void test_tx_rate(void **state)
{
	struct fe *fe = *state;
	static uint8_t d[9000];
	struct tx_slot s = { 0, 0, 600 }, big[3];
	struct rte_mbuf *out[BURST];
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	const struct nif_tx_stats *st = nif_txq_stats(q);
	uint16_t got = 0;
	int tries;

	nif_txq_set_rate(q, 1000, 200000);
	for (uint16_t i = 0; i < 3; i++)
		fe_tx_post(fe, d, &s, 1, 0, NULL, 0, (uint16_t)(1 + i));
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 1);
	free_all(out, 1);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	assert_int_equal(fe->tx_sring->rsp_prod, 1); /* the others are still requests */
	assert_int_equal(st->tx_rate_waits, 2);
	assert_int_equal(st->tx_rate_held_pkts, 1);
	assert_int_equal(st->tx_rate_held_bytes, 600);
	rte_delay_us_sleep(250000);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 2);
	free_all(out, 2);
	/* 9000 B at 1000 B per 1 ms: waits until 9 windows' credit built up, held once. */
	nif_txq_set_rate(q, 1000, 1000);
	for (int i = 0; i < 3; i++)
		big[i] = (struct tx_slot){ (grant_ref_t)(1 + i), 0, 3000 };
	fe_tx_post(fe, d, big, 3, 0, NULL, 0, 10);
	for (tries = 0; tries < 2000 && got == 0; tries++) {
		got = tx_burst(fe, q, out, 0, NULL);
		if (got == 0)
			rte_delay_us_sleep(1000);
	}
	assert_int_equal(got, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 9000);
	free_all(out, 1);
	assert_true(tries > 1);
	assert_int_equal(st->tx_rate_held_pkts, 2);
	/* Unlimited again: a burst takes all. */
	nif_txq_set_rate(q, 0, 0);
	for (uint16_t i = 0; i < 4; i++)
		fe_tx_post(fe, d, &s, 1, 0, NULL, 0, (uint16_t)(20 + i));
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 4);
	free_all(out, 4);
	nif_txq_free(q);
}

/* Post one multicast-control request: @id's slot, then its extra(s). */
static void fe_tx_mcast(struct fe *fe, uint16_t id, const netif_extra_info_t *ex,
			const netif_extra_info_t *ex2)
{
	fe_tx_raw(fe, 0, 0, NETTXF_extra_info, id, 0);
	fe_tx_extra(fe, ex);
	if (ex2 != NULL)
		fe_tx_extra(fe, ex2);
}

/* MCAST_ADD / MCAST_DEL dummy requests: answered, filter updated, no packet. */
static void test_tx_mcast(void **state)
{
	struct fe *fe = *state;
	struct nif_txq *q = txq_make(fe, nif_test_mp);
	const struct nif_mcast *f = nif_txq_mcast(q);
	static const uint8_t a[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	netif_extra_info_t add = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD };
	netif_extra_info_t del = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_DEL };
	struct rte_mbuf *out[BURST];

	memcpy(add.u.mcast.addr, a, 6);
	memcpy(del.u.mcast.addr, a, 6);
	fe_tx_mcast(fe, 5, &add, NULL);
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	check_tx_rsp(fe, 0, 1, 1, 5, NETIF_RSP_OKAY);
	assert_true(nif_mcast_match(f, a));
	fe_tx_mcast(fe, 6, &del, NULL);
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	check_tx_rsp(fe, 2, 1, 1, 6, NETIF_RSP_OKAY);
	assert_false(nif_mcast_match(f, a));
	/* Fill the filter, then one more is refused with ERROR. */
	for (unsigned int i = 0; i <= NIF_MCAST_MAX; i++) {
		add.u.mcast.addr[5] = (uint8_t)i;
		fe_tx_mcast(fe, (uint16_t)i, &add, NULL);
	}
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	check_tx_rsp(fe, 4 + 2 * NIF_MCAST_MAX, 1, 1, NIF_MCAST_MAX, NETIF_RSP_ERROR);
	assert_int_equal(nif_mcast_count(f), NIF_MCAST_MAX);
	assert_int_equal(nif_txq_stats(q)->tx_mcast_full, 1);
	assert_int_equal(nif_txq_stats(q)->tx_mcast_add, 1 + NIF_MCAST_MAX);
	assert_int_equal(nif_txq_stats(q)->tx_mcast_del, 1);
	/* Final check before sleeping: empty ring arms req_event. */
	assert_false(nif_tx_final_check(q));
	assert_int_equal(fe->tx_sring->req_event, fe->tx_sring->req_prod + 1);
	nif_txq_free(q);
}

/*
 * The vif's list is the conf's: shared by its queues and kept past a queue (one queue adds,
 * another deletes). A duplicate ADD takes a second entry, as netback's; a request with both
 * ADD and DEL is an ADD (netback looks at ADD first); a DEL of an unknown address is OKAY.
 */
static void test_tx_mcast_shared(void **state)
{
	struct fe *fe = *state;
	struct nif_mcast f;
	struct nif_txq_conf conf = {
		.sring = fe->tx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.mp = nif_test_mp, .socket_id = SOCKET_ID_ANY, .mcast = &f,
	};
	static const uint8_t a[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0xfb };
	netif_extra_info_t add = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD };
	netif_extra_info_t del = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_DEL };
	struct rte_mbuf *out[BURST];
	struct nif_txq *q;

	nif_mcast_init(&f);
	memcpy(add.u.mcast.addr, a, 6);
	memcpy(del.u.mcast.addr, a, 6);
	q = nif_txq_create(&conf);
	assert_non_null(q);
	assert_ptr_equal(nif_txq_mcast(q), &f);
	fe_tx_mcast(fe, 1, &add, NULL);
	fe_tx_mcast(fe, 2, &add, NULL);
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	assert_int_equal(nif_mcast_count(&f), 2);
	nif_txq_free(q);
	assert_true(nif_mcast_match(&f, a)); /* the vif's, not the queue's */

	q = nif_txq_create(&conf); /* another queue of the vif (here: on the same ring) */
	assert_non_null(q);
	fe_tx_mcast(fe, 3, &del, NULL);
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	check_tx_rsp(fe, 4, 1, 1, 3, NETIF_RSP_OKAY);
	assert_true(nif_mcast_match(&f, a)); /* one entry of two removed */
	add.flags = XEN_NETIF_EXTRA_FLAG_MORE;
	fe_tx_mcast(fe, 4, &add, &del);       /* both: ADD wins */
	fe_tx_mcast(fe, 5, &del, NULL);
	fe_tx_mcast(fe, 6, &del, NULL);
	fe_tx_mcast(fe, 7, &del, NULL);       /* not on the list any more: OKAY all the same */
	fe_tx_push(fe);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	check_tx_rsp(fe, 6, 1, 2, 4, NETIF_RSP_OKAY);
	check_tx_rsp(fe, 13, 1, 1, 7, NETIF_RSP_OKAY);
	assert_false(nif_mcast_match(&f, a));
	assert_int_equal(nif_mcast_count(&f), 0);
	assert_int_equal(nif_txq_stats(q)->tx_mcast_add, 1);
	assert_int_equal(nif_txq_stats(q)->tx_mcast_del, 4);
	assert_int_equal(nif_txq_stats(q)->tx_packets, 0);
	nif_txq_free(q);
}

/* ---- a backend restart: a new queue attaches where a dead one left the ring ---- */

/* Move both ends of the TX ring to index @start, as if that much traffic had gone by. */
static void tx_ring_at(struct fe *fe, RING_IDX start)
{
	fe->tx_sring->req_prod = fe->tx_sring->rsp_prod = start;
	fe->tx_sring->req_event = fe->tx_sring->rsp_event = start + 1;
	fe->tx.req_prod_pvt = fe->tx.rsp_cons = start;
}

/* Packet @i of the resume cases: odd ones span three slots with a hash extra. */
static uint16_t resume_post(struct fe *fe, unsigned int i, uint8_t *data)
{
	const netif_extra_info_t hash = {.type = XEN_NETIF_EXTRA_TYPE_HASH};
	bool multi = i & 1;
	struct tx_slot s[3];
	uint16_t n = multi ? 3 : 1, len = 0;

	for (uint16_t k = 0; k < n; k++) {
		s[k] = (struct tx_slot){.gref = (grant_ref_t)(10 + 3 * i + k), .offset = 64,
					.size = (uint16_t)(multi ? 1000u + k : 200u + i)};
		len = (uint16_t)(len + s[k].size);
	}
	fill(data, len, 0x1000 + i);
	fe_tx_post(fe, data, s, n, 0, &hash, multi ? 1 : 0, (uint16_t)(100 + 10 * i));
	return len;
}

static uint16_t resume_slots(unsigned int i)
{
	return (i & 1) ? 4 : 1;
}

/*
 * Backend A answers packets 0-1, consumes 2-3 and dies before answering them, and never sees
 * 4-5. Backend B attaches at rsp_prod: it delivers 2-5 byte-exact and answers each request
 * once. At every start index that matters, including the 2^32 wrap inside a packet.
 */
static void test_tx_resume(void **state)
{
	static const RING_IDX starts[] = {0, 0xfffffffeu, 0xfffffff9u, 0x7fffffffu};
	struct fe *fe = *state;
	static uint8_t data[6][3100];
	uint16_t len[6];

	for (unsigned int t = 0; t < RTE_DIM(starts); t++) {
		struct rte_mbuf *out[BURST];
		struct nif_txq *a, *b;
		struct nif_ring_pos pos;
		RING_IDX start = starts[t], answered = start + resume_slots(0) + resume_slots(1);
		nif_gcopy_seg *segs;
		uint32_t nsegs;
		bool notify;
		uint16_t nb;

		tx_ring_at(fe, start);
		for (unsigned int i = 0; i < 6; i++)
			len[i] = resume_post(fe, i, data[i]);
		a = txq_make(fe, nif_test_mp);
		assert_int_equal(nif_tx_prepare_burst(a, 2), 2);
		nsegs = nif_tx_gcopy_segs(a, &segs);
		assert_int_equal(fe_gcopy(fe, nsegs, segs), 0);
		assert_int_equal(nif_tx_finish_burst(a, 0, out, &nb, &notify), 0);
		assert_int_equal(nb, 2);
		free_all(out, nb);
		assert_int_equal(fe->tx_sring->rsp_prod, answered);
		assert_int_equal(nif_tx_prepare_burst(a, 2), 2); /* consumed, then the crash */
		nif_txq_free(a);
		assert_int_equal(fe->tx_sring->rsp_prod, answered);

		b = txq_make(fe, nif_test_mp);
		pos = nif_txq_attach_pos(b);
		assert_int_equal(pos.rsp_prod, answered);
		assert_int_equal(pos.req_prod, fe->tx.req_prod_pvt);
		nb = tx_burst(fe, b, out, 0, NULL);
		assert_int_equal(nb, 4);
		for (unsigned int i = 2; i < 6; i++) {
			assert_int_equal(out[i - 2]->pkt_len, len[i]);
			check_mbuf_bytes(out[i - 2], data[i], len[i]);
		}
		free_all(out, nb);
		for (RING_IDX c = answered, i = 2; i < 6; c += resume_slots(i), i++)
			check_tx_rsp(fe, c, (i & 1) ? 3 : 1, (i & 1) ? 1 : 0,
				     (uint16_t)(100 + 10 * i), NETIF_RSP_OKAY);
		assert_int_equal(fe->tx_sring->rsp_prod, fe->tx.req_prod_pvt);
		assert_int_equal(nif_txq_stats(b)->tx_packets, 4);
		fe->tx.rsp_cons = fe->tx_sring->rsp_prod;
		nif_txq_free(b);
	}
}

/* A full ring resumes; indices a guest rewrote while no backend ran are refused. */
static void test_tx_resume_limits(void **state)
{
	struct fe *fe = *state;
	struct nif_txq_conf conf = {
		.sring = fe->tx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.mp = nif_test_mp, .socket_id = SOCKET_ID_ANY,
	};
	RING_IDX size = RING_SIZE(&fe->tx);
	struct rte_mbuf *out[BURST];
	struct nif_txq *q;
	uint16_t nb, total = 0;

	tx_ring_at(fe, 0xffffff80u);
	for (RING_IDX i = 0; i < size; i++)
		fe_tx_raw(fe, 1, 0, 0, (uint16_t)i, 60);
	fe_tx_push(fe);
	q = txq_make(fe, nif_test_mp); /* full: req_prod - rsp_prod == ring size */
	while ((nb = tx_burst(fe, q, out, 0, NULL)) > 0) {
		free_all(out, nb);
		total = (uint16_t)(total + nb);
	}
	assert_int_equal(total, size);
	nif_txq_free(q);
	fe->tx_sring->req_prod = fe->tx_sring->rsp_prod + size + 1; /* one too many */
	assert_null(nif_txq_create(&conf));
	assert_int_equal(rte_errno, EIO);
	fe->tx_sring->req_prod = fe->tx_sring->rsp_prod - 1; /* responses ahead of requests */
	assert_null(nif_txq_create(&conf));
	assert_int_equal(rte_errno, EIO);
	fe->tx_sring->req_prod = fe->tx_sring->rsp_prod; /* empty */
	q = txq_make(fe, nif_test_mp);
	assert_int_equal(tx_burst(fe, q, out, 0, NULL), 0);
	nif_txq_free(q);
}

/*
 * A guest moved rsp_prod into the middle of a packet (only a guest can: a backend pushes
 * whole packets): the new queue reads an extra-info slot as a request. Whatever it makes
 * of it, the burst ends, nothing leaks, and it never reads past req_prod.
 */
static void test_tx_resume_mid_packet(void **state)
{
	struct fe *fe = *state;
	static uint8_t data[3100];
	struct rte_mbuf *out[BURST];
	struct nif_txq *q;
	uint16_t nb;

	tx_ring_at(fe, 0xfffffffeu);
	(void)resume_post(fe, 1, data); /* 4 slots: first, hash extra, two follow-ups */
	fe->tx_sring->rsp_prod = 0xffffffffu; /* the extra slot */
	q = txq_make(fe, nif_test_mp);
	for (int i = 0; i < 4 && (nb = tx_burst(fe, q, out, 0, NULL)) > 0; i++)
		free_all(out, nb);
	assert_true(nif_txq_fatal(q) != NIF_FATAL_NONE ||
		    fe->tx_sring->rsp_prod == fe->tx.req_prod_pvt);
	nif_txq_free(q);
}

int nif_test_tx_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tx_random_packets, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_offloads, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_fatal_classes, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_error_classes, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_gcopy_failures, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_no_mbuf, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_rate, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_mcast_shared, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_mcast, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_resume, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_resume_limits, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_tx_resume_mid_packet, nif_test_setup,
						nif_test_teardown),
	};

	return cmocka_run_group_tests_name("nif_tx", tests, NULL, NULL);
}
