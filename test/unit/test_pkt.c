/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pkt: the Ethernet/VLAN walk (tags, limits, short frames) and the TCP pseudo-header sum
 * against DPDK's rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum where those fit (no extension
 * headers), and against the sum written out by hand where they do not; the IPv6 segmenter;
 * the flow hash; a wire port's own aggregates and partial checksums adopted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dnb_test_eal.h"
#include "pkt.h"

static uint8_t frame[256];

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* an Ethernet header with @p n tags of @p types, then @p etype */
static uint32_t make_l2(unsigned int n, const uint16_t *types, uint16_t etype)
{
	uint32_t off = 12;

	memset(frame, 0, sizeof(frame));
	for (unsigned int i = 0; i < n; i++) {
		put16(frame + off, types[i]);
		put16(frame + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	put16(frame + off, etype);
	return off + 2;
}

static void l2_walk_tags(void **state)
{
	uint16_t tags[3] = { RTE_ETHER_TYPE_QINQ, RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_VLAN };
	struct pkt_l2 l2;

	(void)state;
	make_l2(0, tags, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), 0);
	assert_int_equal(l2.l2_len, 14);
	assert_int_equal(l2.nb_tags, 0);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_IPV6);

	make_l2(2, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), 0);
	assert_int_equal(l2.l2_len, 22);
	assert_int_equal(l2.nb_tags, 2);
	assert_int_equal(l2.tci[0], 100);
	assert_int_equal(l2.tci[1], 101);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_IPV4);
	/* one tag too many: refused, the caller counts it */
	assert_int_equal(pkt_l2_walk(frame, 64, 1, &l2), -ENOTSUP);
	make_l2(3, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 64, 2, &l2), -ENOTSUP);
	assert_int_equal(l2.etype, RTE_ETHER_TYPE_VLAN);
	/* and no PKT_MAX_TAGS overrun for a caller that asks for more */
	assert_int_equal(pkt_l2_walk(frame, 64, 9, &l2), -ENOTSUP);
}

static void l2_walk_short(void **state)
{
	uint16_t tags[2] = { RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_VLAN };
	struct pkt_l2 l2;

	(void)state;
	make_l2(0, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 13, 2, &l2), -EMSGSIZE);
	assert_int_equal(l2.l2_len, 14);
	make_l2(2, tags, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(pkt_l2_walk(frame, 21, 2, &l2), -EMSGSIZE);
	assert_int_equal(l2.l2_len, 22);
	assert_int_equal(pkt_l2_walk(frame, 22, 2, &l2), 0);
}

static void phdr_ipv4_matches_dpdk(void **state)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF, .total_length = RTE_BE16(1500),
		.next_proto_id = IPPROTO_TCP, .src_addr = RTE_BE32(0xc0a80a01),
		.dst_addr = RTE_BE32(0xfe000a02),
	};

	(void)state;
	assert_int_equal(pkt_tcp_phdr_sum(&ip, true, 1480), rte_ipv4_phdr_cksum(&ip, 0));
	assert_int_equal(pkt_tcp_phdr_sum(&ip, true, 0),
			 rte_ipv4_phdr_cksum(&ip, RTE_MBUF_F_TX_TCP_SEG));
}

static void phdr_ipv6_matches_dpdk_and_ext(void **state)
{
	uint8_t pkt[40 + 8 + 20];
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)pkt;
	uint16_t want, got;

	(void)state;
	memset(pkt, 0, sizeof(pkt));
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = RTE_BE16(1400);
	ip6->proto = IPPROTO_TCP;
	/* uint8_t[16] in DPDK 22.11, struct rte_ipv6_addr in 24.11: bytes either way */
	for (int i = 0; i < 16; i++) {
		((uint8_t *)&ip6->src_addr)[i] = (uint8_t)(0x20 + i);
		((uint8_t *)&ip6->dst_addr)[i] = (uint8_t)(0xf0 - 3 * i);
	}
	assert_int_equal(pkt_tcp_phdr_sum(ip6, false, 1400), rte_ipv6_phdr_cksum(ip6, 0));
	assert_int_equal(pkt_tcp_phdr_sum(ip6, false, 0),
			 rte_ipv6_phdr_cksum(ip6, RTE_MBUF_F_TX_TCP_SEG));
	/* a hop-by-hop header before TCP: the protocol is TCP's and the length TCP's alone */
	want = rte_ipv6_phdr_cksum(ip6, 0);
	ip6->proto = 0;
	ip6->payload_len = RTE_BE16(1408);
	pkt_tcp_phdr_write(ip6, 48, false, false);
	memcpy(&got, pkt + 48 + offsetof(struct rte_tcp_hdr, cksum), 2);
	assert_int_equal(got, want);
}

/* ---- the TCP/IPv6 segmenter ------------------------------------------------------------ */

#define L2 14u
#define TCPH 20u
#define NH_HOP 0
#define NH_DST 60
#define NH_FRAG 44
#define NH_AH 51

static struct rte_mempool *direct, *indirect;
static uint8_t big[70000];

struct tso6 {
	uint32_t l3_len;    /* 40 + extension headers */
	uint32_t payload;   /* TCP payload bytes */
	uint16_t mss;
	uint8_t flags;      /* TCP flags of the big packet */
	uint32_t split;     /* bytes per input mbuf after the first (chain shape) */
	const uint8_t *ext; /* extension header types, ext_n of them, 8 bytes each but the
			     * second (16): the last one's next header is TCP */
	unsigned int ext_n;
};

/* The big packet's bytes in big[], as a netfront would send them. @return its length. */
static uint32_t tso6_bytes(const struct tso6 *t)
{
	uint32_t off = L2 + 40, len = L2 + t->l3_len + TCPH + t->payload;
	uint8_t nh = t->ext_n > 0 ? t->ext[0] : IPPROTO_TCP;

	memset(big, 0, len);
	memset(big, 0x02, 12);
	put16(big + 12, RTE_ETHER_TYPE_IPV6);
	big[L2] = 0x60;
	put16(big + L2 + 4, (uint16_t)(t->l3_len - 40 + TCPH + t->payload));
	big[L2 + 6] = nh;
	big[L2 + 7] = 64;
	for (int i = 0; i < 32; i++)
		big[L2 + 8 + i] = (uint8_t)(0x20 + 7 * i);
	for (unsigned int e = 0; e < t->ext_n; e++) {
		uint32_t elen = e == 1 ? 16 : 8;

		big[off] = e + 1 < t->ext_n ? t->ext[e + 1] : IPPROTO_TCP;
		big[off + 1] = (uint8_t)(elen / 8 - 1);
		big[off + 2] = 1; /* a PadN option filling the rest */
		big[off + 3] = (uint8_t)(elen - 4);
		off += elen;
	}
	put16(big + off, 40000);
	put16(big + off + 2, 80);
	big[off + 4] = 0xff; /* sequence number 0xfffff000: wraps during the packet */
	big[off + 5] = 0xff;
	big[off + 6] = 0xf0;
	big[off + 12] = 5 << 4;
	big[off + 13] = t->flags;
	for (uint32_t i = 0; i < t->payload; i++)
		big[off + TCPH + i] = (uint8_t)(i * 7 + i / 251);
	return len;
}

static uint32_t tso6_hdr_len(const struct tso6 *t)
{
	return L2 + t->l3_len + TCPH;
}

/* big[] as an mbuf chain: the headers and some payload in the first, then @p t->split
 * bytes per mbuf */
static struct rte_mbuf *tso6_mbuf(const struct tso6 *t)
{
	uint32_t len = tso6_bytes(t), first = RTE_MIN(len, tso6_hdr_len(t) + 100), done = 0;
	struct rte_mbuf *head = NULL;

	while (done < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(direct);
		uint32_t n = done == 0 ? first : RTE_MIN(t->split, len - done);

		assert_non_null(m);
		n = RTE_MIN(n, rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), big + done, n);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		done += n;
	}
	head->l2_len = L2;
	head->l3_len = t->l3_len;
	head->l4_len = TCPH;
	head->tso_segsz = t->mss;
	head->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
	return head;
}

static int segment(struct rte_mbuf *m, const struct tso6 *t, struct rte_mbuf **out,
		   uint16_t nb_out)
{
	struct rte_gso_ctx ctx = {
		.direct_pool = direct, .indirect_pool = indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)(tso6_hdr_len(t) + t->mss),
	};

	return pkt_gso_segment(m, &ctx, out, nb_out);
}

/* The checksum a receiver checks: pseudo-header (TCP length, protocol 6) over the segment's
 * TCP header and payload, written out here as RFC 8200 section 8.1 says. */
static uint16_t ref_tcp6_csum(const uint8_t *f, uint32_t l3_len, uint32_t len)
{
	uint32_t tcp_len = len - L2 - l3_len, sum = 0;
	const uint8_t *th = f + L2 + l3_len;

	for (int i = 0; i < 32; i += 2)
		sum += pkt_rd16(f + L2 + 8 + i);
	sum += tcp_len >> 16;
	sum += tcp_len & 0xffff;
	sum += IPPROTO_TCP;
	for (uint32_t i = 0; i < tcp_len; i += 2) {
		uint16_t w = (uint16_t)(th[i] << 8 | (i + 1 < tcp_len ? th[i + 1] : 0));

		if (i == 16) /* the checksum field itself */
			w = 0;
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Check the segments of big[] against Linux's rules; frees them. */
static void check_segments(const struct tso6 *t, struct rte_mbuf **out, int n)
{
	uint32_t hl = tso6_hdr_len(t), th_off = L2 + t->l3_len, done = 0;
	uint32_t seq0 = 0xfffff000u;
	static uint8_t f[70000];

	assert_int_equal(n, (t->payload + t->mss - 1) / t->mss);
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *s = out[i];
		uint32_t len = s->pkt_len, plen = len - hl;
		uint8_t want_flags = t->flags;
		uint16_t sum;

		assert_true(plen <= t->mss && plen > 0);
		assert_true(i == n - 1 || plen == t->mss);
		const uint8_t *bytes = rte_pktmbuf_read(s, 0, len, f);

		assert_non_null(bytes);
		if (bytes != f)
			memcpy(f, bytes, len);
		/* headers as the big packet's but length, sequence, flags and checksum */
		assert_memory_equal(f, big, L2 + 4);
		assert_int_equal(pkt_rd16(f + L2 + 4), len - L2 - 40);
		assert_memory_equal(f + L2 + 6, big + L2 + 6, t->l3_len - 6);
		assert_memory_equal(f + th_off, big + th_off, 4);
		assert_int_equal((uint32_t)pkt_rd16(f + th_off + 4) << 16 |
				 pkt_rd16(f + th_off + 6), seq0 + done);
		if (i < n - 1)
			want_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		if (i > 0)
			want_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		assert_int_equal(f[th_off + 13], want_flags);
		assert_memory_equal(f + hl, big + hl + done, plen);
		/* the field holds the pseudo-header sum: completing it gives the reference */
		sum = (uint16_t)~rte_raw_cksum(f + th_off, len - th_off);
		assert_int_equal(rte_be_to_cpu_16(sum), ref_tcp6_csum(f, t->l3_len, len));
		/* and the software completion egress.c uses, over the segment's chain */
		memset(rte_pktmbuf_mtod_offset(s, uint8_t *, th_off + 16), 0, 2);
		assert_int_equal(pkt_ipv6_l4_cksum_mbuf(s, IPPROTO_TCP, &sum), 0);
		assert_int_equal(rte_be_to_cpu_16(sum), ref_tcp6_csum(f, t->l3_len, len));
		assert_true(s->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
		assert_false(s->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		assert_int_equal(s->l3_len, t->l3_len);
		done += plen;
	}
	assert_int_equal(done, t->payload);
	rte_pktmbuf_free_bulk(out, (unsigned int)n);
}

static void run_ok(const struct tso6 *t)
{
	struct rte_mbuf *out[128], *m = tso6_mbuf(t);
	int n = segment(m, t, out, RTE_DIM(out));

	assert_true(n > 0);
	rte_pktmbuf_free(m);
	check_segments(t, out, n);
	assert_int_equal(rte_mempool_in_use_count(direct), 0);
	assert_int_equal(rte_mempool_in_use_count(indirect), 0);
}

static void gso6_mss_and_flags(void **state)
{
	const uint8_t fl = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG |
			   RTE_TCP_CWR_FLAG;
	struct tso6 t = { .l3_len = 40, .payload = 10000, .mss = 1440, .flags = fl,
			  .split = 4096 };

	(void)state;
	run_ok(&t);
	t.payload = 2 * 1440; /* a multiple of the MSS: the last segment is full */
	run_ok(&t);
	t.payload = 65535 - 20;
	t.mss = 536;
	t.split = 1000; /* segments cross input mbufs */
	run_ok(&t);
	t.payload = 1441; /* one byte over: a segment of one byte */
	t.mss = 1440;
	t.split = 1;
	run_ok(&t);
	t.payload = 9000; /* a segment bigger than a mbuf (a vif with a large MTU) */
	t.mss = 8000;
	t.split = 2000;
	run_ok(&t);
}

static void gso6_ext_headers(void **state)
{
	static const uint8_t hop_dst[2] = { NH_HOP, NH_DST };
	struct tso6 t = { .l3_len = 40 + 8 + 16, .payload = 5000, .mss = 1400,
			  .flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, .split = 3000,
			  .ext = hop_dst, .ext_n = 2 };

	(void)state;
	run_ok(&t);
}

static void refused(const struct tso6 *t, uint16_t nb_out, int want)
{
	struct rte_mbuf *out[128] = { NULL }, *m = tso6_mbuf(t);

	assert_int_equal(segment(m, t, out, nb_out), want);
	assert_null(out[0]);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(direct), 0);
	assert_int_equal(rte_mempool_in_use_count(indirect), 0);
}

static void gso6_refusals(void **state)
{
	static const uint8_t frag[1] = { NH_FRAG }, ah[1] = { NH_AH };
	struct tso6 t = { .l3_len = 48, .payload = 5000, .mss = 1400,
			  .flags = RTE_TCP_ACK_FLAG, .split = 3000, .ext = frag, .ext_n = 1 };

	(void)state;
	refused(&t, 128, -ENOTSUP);
	t.ext = ah;
	refused(&t, 128, -ENOTSUP);
	/* l3_len says 40 but the next header is an extension header */
	t.l3_len = 40;
	t.ext_n = 0;
	tso6_bytes(&t);
	{
		struct rte_mbuf *m = tso6_mbuf(&t), *out[8];

		rte_pktmbuf_mtod_offset(m, uint8_t *, L2)[6] = NH_HOP;
		assert_int_equal(segment(m, &t, out, 8), -ENOTSUP);
		rte_pktmbuf_free(m);
	}
	/* more segments than room */
	refused(&t, 3, -ENOSPC);
	/* an MSS of 0: no segment could be made */
	t.mss = 0;
	{
		struct rte_mbuf *m = tso6_mbuf(&t), *out[8];
		struct rte_gso_ctx ctx = { .direct_pool = direct, .indirect_pool = indirect,
					   .gso_size = (uint16_t)tso6_hdr_len(&t) };

		assert_int_equal(pkt_gso_tcp6_segment(m, &ctx, out, 8), -EINVAL);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(rte_mempool_in_use_count(direct), 0);
}

/* Headers whose extension chain overruns l3_len, or ends short of it. */
static void gso6_exthdr_chain(void **state)
{
	uint8_t ip6[64] = { 0x60 };

	(void)state;
	ip6[6] = NH_HOP;
	ip6[40] = IPPROTO_TCP;
	ip6[41] = 0;
	assert_int_equal(pkt_ipv6_tcp_exthdrs(ip6, 48), 0);
	ip6[41] = 1; /* 16 bytes: past l3_len */
	assert_int_equal(pkt_ipv6_tcp_exthdrs(ip6, 48), -EINVAL);
	assert_int_equal(pkt_ipv6_tcp_exthdrs(ip6, 44), -EINVAL);
	assert_int_equal(pkt_ipv6_tcp_exthdrs(ip6, 39), -EINVAL);
	ip6[6] = IPPROTO_UDP;
	assert_int_equal(pkt_ipv6_tcp_exthdrs(ip6, 40), -ENOTSUP);
}

/* Pools that run dry half way: the segments made so far are given back. */
static void gso6_no_mbufs(void **state)
{
	struct rte_mempool *small = rte_pktmbuf_pool_create("t_pkt_small_ind", 3, 0, 0, 0,
							     SOCKET_ID_ANY);
	struct tso6 t = { .l3_len = 40, .payload = 10000, .mss = 1440,
			  .flags = RTE_TCP_ACK_FLAG, .split = 9000 };
	struct rte_mempool *keep = indirect;

	(void)state;
	assert_non_null(small);
	indirect = small;
	{
		struct rte_mbuf *m = tso6_mbuf(&t), *out[16] = { NULL };

		assert_int_equal(segment(m, &t, out, 16), -ENOMEM);
		assert_null(out[0]);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(rte_mempool_in_use_count(small), 0);
	assert_int_equal(rte_mempool_in_use_count(direct), 0);
	indirect = keep;
	rte_mempool_free(small);
}

/* A frame in an mbuf: @p tags VLAN tags, then IPv4 (or IPv6) TCP from @p sport to 80. */
static struct rte_mbuf *flow_frame(unsigned int tags, bool v6, uint16_t sport, uint16_t frag)
{
	static const uint16_t q[2] = {RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_VLAN};
	struct rte_mbuf *m = rte_pktmbuf_alloc(direct);
	uint32_t l3 = make_l2(tags, q, v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	uint32_t l4 = l3 + (v6 ? 40 : 20);

	assert_non_null(m);
	if (v6) {
		frame[l3] = 0x60;
		frame[l3 + 6] = IPPROTO_TCP;
		for (int i = 0; i < 32; i++)
			frame[l3 + 8 + i] = (uint8_t)(0x20 + i);
	} else {
		frame[l3] = 0x45;
		put16(frame + l3 + 6, frag);
		frame[l3 + 9] = IPPROTO_TCP;
		for (int i = 0; i < 8; i++)
			frame[l3 + 12 + i] = (uint8_t)(10 + i);
	}
	put16(frame + l4, sport);
	put16(frame + l4 + 2, 80);
	memcpy(rte_pktmbuf_append(m, l4 + 20), frame, l4 + 20);
	return m;
}

static uint32_t flow_hash_of(unsigned int tags, bool v6, uint16_t sport, uint16_t frag)
{
	struct rte_mbuf *m = flow_frame(tags, v6, sport, frag);
	uint32_t h = pkt_flow_hash(m);

	rte_pktmbuf_free(m);
	return h;
}

/*
 * #16: the flow hash multi-queue spreading uses. A flow hashes alike whatever its VLAN
 * tags; flows of other ports differ (over 64 ports, most land apart on 4 queues); every
 * piece of a fragmented datagram hashes alike, ports or not; a NIC's RSS hash wins; a frame
 * cut short or not IP gets 0, read no further than its data.
 */
static void flow_hash(void **state)
{
	unsigned int seen = 0;
	struct rte_mbuf *m;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		assert_int_equal(flow_hash_of(0, v6, 1000, 0), flow_hash_of(2, v6, 1000, 0));
		seen = 0;
		for (uint16_t p = 0; p < 64; p++)
			seen |= 1u << (flow_hash_of(0, v6, (uint16_t)(1000 + p), 0) % 4);
		assert_int_equal(seen, 0xf);
	}
	/* first piece (MF) and a later one (offset): the ports are not looked at */
	assert_int_equal(flow_hash_of(0, false, 1000, RTE_IPV4_HDR_MF_FLAG),
			 flow_hash_of(0, false, 2000, 8));
	m = flow_frame(0, false, 1000, 0);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->hash.rss = 0xabcdef;
	assert_int_equal(pkt_flow_hash(m), 0xabcdef);
	rte_pktmbuf_free(m);
	m = flow_frame(0, true, 1000, 0);
	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - 30); /* Ethernet + part of IPv6 */
	assert_int_equal(pkt_flow_hash(m), 0);
	rte_pktmbuf_free(m);
	make_l2(0, NULL, RTE_ETHER_TYPE_ARP);
	m = rte_pktmbuf_alloc(direct);
	memcpy(rte_pktmbuf_append(m, 60), frame, 60);
	assert_int_equal(pkt_flow_hash(m), 0);
	rte_pktmbuf_free(m);
}

/*
 * #16: a wire port's own LRO (virtio's GUEST_TSO) and partial checksums (NEEDS_CSUM), as
 * virtio_rx_offload leaves them, brought to the form lib/lro's aggregates have. An
 * aggregate then segments byte-exact as a guest's GSO packet does (check_segments).
 */
static void adopt_aggregate_v6(void **state)
{
	const struct tso6 t = {.l3_len = 40, .payload = 5000, .mss = 1200,
			       .flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, .split = 1000};
	struct rte_mbuf *out[16], *m = tso6_mbuf(&t);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, L2);
	uint16_t field;
	int n;

	(void)state;
	/* as the port hands it over: Linux's partial sum (length in), no TX marks */
	pkt_tcp_phdr_write(l3, 40, false, false);
	m->ol_flags = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->l2_len = m->l3_len = m->l4_len = 0;
	assert_int_equal(pkt_rx_offload_adopt(m), 0);
	assert_int_equal(m->ol_flags, RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6 |
			 RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_RX_L4_CKSUM_NONE);
	assert_int_equal(m->l2_len, L2);
	assert_int_equal(m->l3_len, 40);
	assert_int_equal(m->l4_len, TCPH);
	assert_int_equal(m->tso_segsz, 1200);
	memcpy(&field, l3 + 40 + 16, 2);
	assert_int_equal(field, pkt_tcp_phdr_sum(l3, false, 0)); /* DPDK's TSO sum */
	n = segment(m, &t, out, RTE_DIM(out));
	assert_true(n > 0);
	rte_pktmbuf_free(m);
	check_segments(&t, out, n);
}

/* flow_frame() with a TCP header that says 20 bytes and @p len bytes of payload room */
static struct rte_mbuf *adopt_frame(bool v6, uint16_t payload)
{
	struct rte_mbuf *m = flow_frame(0, v6, 1000, 0);
	uint32_t l3 = L2, l4 = l3 + (v6 ? 40 : 20);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	d[l4 + 12] = 5 << 4;
	assert_non_null(rte_pktmbuf_append(m, payload));
	if (v6)
		put16(d + l3 + 4, (uint16_t)(20 + payload));
	else
		put16(d + l3 + 2, (uint16_t)(40 + payload));
	return m;
}

static void adopt_v4_partial_and_refused(void **state)
{
	struct rte_mbuf *m = adopt_frame(false, 1000);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, L2);
	uint16_t field, linux_sum;

	(void)state;
	/* an IPv4 aggregate: TSO marks, the IP header checksum to finish, DPDK's TSO sum */
	pkt_tcp_phdr_write(l3, 20, true, false);
	m->ol_flags = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->tso_segsz = 500;
	assert_int_equal(pkt_rx_offload_adopt(m), 0);
	assert_int_equal(m->ol_flags, RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
			 RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM |
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
	memcpy(&field, l3 + 20 + 16, 2);
	assert_int_equal(field, pkt_tcp_phdr_sum(l3, true, 0));
	/* partial only: checksum offload marks, the port's sum (length in) kept */
	pkt_tcp_phdr_write(l3, 20, true, false);
	memcpy(&linux_sum, l3 + 20 + 16, 2);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	assert_int_equal(pkt_rx_offload_adopt(m), 0);
	assert_int_equal(m->ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM |
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
	memcpy(&field, l3 + 20 + 16, 2);
	assert_int_equal(field, linux_sum);
	/* nothing asked: left alone */
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	assert_int_equal(pkt_rx_offload_adopt(m), 0);
	assert_int_equal(m->ol_flags, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	/* an aggregate with an MSS no sender uses */
	m->ol_flags = RTE_MBUF_F_RX_LRO;
	m->tso_segsz = 0;
	assert_int_equal(pkt_rx_offload_adopt(m), -EINVAL);
	/* an aggregate of UDP (partial UDP is fine) */
	l3[9] = IPPROTO_UDP;
	m->tso_segsz = 500;
	assert_int_equal(pkt_rx_offload_adopt(m), -EINVAL);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	assert_int_equal(pkt_rx_offload_adopt(m), 0);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
	/* a TCP header that says less than 20 bytes */
	l3[9] = IPPROTO_TCP;
	l3[20 + 12] = 4 << 4;
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	assert_int_equal(pkt_rx_offload_adopt(m), -EINVAL);
	rte_pktmbuf_free(m);
	/* headers past the first segment */
	m = adopt_frame(true, 0);
	rte_pktmbuf_trim(m, 10);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	assert_int_equal(pkt_rx_offload_adopt(m), -EINVAL);
	rte_pktmbuf_free(m);
	/* not IP */
	make_l2(0, NULL, RTE_ETHER_TYPE_ARP);
	m = rte_pktmbuf_alloc(direct);
	memcpy(rte_pktmbuf_append(m, 60), frame, 60);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_NONE;
	assert_int_equal(pkt_rx_offload_adopt(m), -EINVAL);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(direct), 0);
}

static int gso_setup(void **state)
{
	(void)state;
	if (dnb_test_eal_init(64) != 0)
		return -1;
	direct = rte_pktmbuf_pool_create("t_pkt_direct", 4095, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	indirect = rte_pktmbuf_pool_create("t_pkt_indirect", 4095, 0, 0, 0, SOCKET_ID_ANY);
	return direct != NULL && indirect != NULL ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_walk_tags),
		cmocka_unit_test(l2_walk_short),
		cmocka_unit_test(phdr_ipv4_matches_dpdk),
		cmocka_unit_test(phdr_ipv6_matches_dpdk_and_ext),
		cmocka_unit_test(gso6_mss_and_flags),
		cmocka_unit_test(gso6_ext_headers),
		cmocka_unit_test(gso6_refusals),
		cmocka_unit_test(gso6_exthdr_chain),
		cmocka_unit_test(gso6_no_mbufs),
		cmocka_unit_test(flow_hash),
		cmocka_unit_test(adopt_aggregate_v6),
		cmocka_unit_test(adopt_v4_partial_and_refused),
	};

	return cmocka_run_group_tests(tests, gso_setup, NULL);
}
