/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_gso: TSO packets of any shape through pkt_gso_segment (lib/pkt), the one software
 * segmentation every egress path uses (#20): TCP over IPv6 (lib/pkt's segmenter, with any
 * extension headers, known or not, of any length) and TCP over IPv4 (librte_gso). The input
 * chooses the headers, the MSS, the payload length, the TCP flags and options, the chain
 * shape, the room for segments, and byte flips in the headers after the offload lengths were
 * set (a guest's lie).
 *
 * Invariants, for every packet it segments: at most the room given; every segment a well
 * formed chain no longer than headers + MSS, every one but the last exactly that long; the
 * payload bytes of the segments, in order, are exactly the packet's (bytes conserved); the
 * flags as Linux sets them (FIN/PSH on the last only, CWR on the first only), over both IP
 * versions; for IPv6 every segment's headers are the packet's but for the payload length,
 * the sequence number (packet's + bytes before it), the flags and the checksum. On refusal nothing is left in the output. After each packet, with
 * the input and the segments freed, both pools are empty.
 *
 * With bit 1 of the first byte, the packet comes as a wire port's own LRO aggregate (#16:
 * RX_LRO with tso_segsz, a partial checksum, no TX marks) and goes through
 * pkt_rx_offload_adopt first: refused, or marked consistently (TSO and checksum marks, no
 * RX_LRO, headers within the first segment and the offload fields, an MSS a sender could
 * use), the TCP checksum field DPDK's TSO sum; then segmented as above, the invariants
 * checked where the headers it found are the ones built (a flip may make them differ).
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz_common.h"
#include "pkt.h"

#define GZ_POOL_SIZE 2047u
#define GZ_MAX_PAYLOAD 65000u
#define GZ_MAX_OUT 160u
#define GZ_MAX_EXT 4u
#define GZ_MAX_FLIPS 8u

static struct rte_mempool *gz_direct, *gz_indirect;
static uint8_t gz_pkt[GZ_MAX_PAYLOAD + 1024];
static uint8_t gz_seg[GZ_MAX_PAYLOAD + 1024];

struct gz_shape {
	bool v6;
	bool port; /* handed over as a wire port's own aggregate (pkt_rx_offload_adopt) */
	uint32_t l3_len, l4_len, payload, split;
	uint16_t mss;
	uint8_t flags;
};

/* Extension headers: mostly those that may be segmented, sometimes any type. */
static uint32_t gz_exts(struct fz_in *in, uint8_t *ip6)
{
	static const uint8_t known[] = { 0, 43, 60, 44, 51, 50 };
	uint32_t off = 40, n = fz_u8(in) % (GZ_MAX_EXT + 1);
	uint8_t *nh = ip6 + 6;

	for (uint32_t e = 0; e < n; e++) {
		uint8_t pick = fz_u8(in), units = fz_u8(in) % 4;

		*nh = pick < 200 ? known[pick % RTE_DIM(known)] : pick;
		ip6[off + 1] = units;
		nh = ip6 + off;
		off += (units + 1u) * 8u;
	}
	*nh = IPPROTO_TCP;
	return off;
}

/* The packet's bytes in gz_pkt: Ethernet, IP (+ extension headers), TCP (+ options), payload. */
static uint32_t gz_build(struct fz_in *in, struct gz_shape *s)
{
	uint8_t conf = fz_u8(in), *l3 = gz_pkt + RTE_ETHER_HDR_LEN, *th;
	uint32_t hdr, i;

	memset(gz_pkt, 0, 1024);
	s->v6 = (conf & 1) != 0;
	s->port = (conf & 2) != 0;
	memset(gz_pkt, 0x02, 12);
	gz_pkt[12] = s->v6 ? 0x86 : 0x08;
	gz_pkt[13] = s->v6 ? 0xdd : 0x00;
	if (s->v6) {
		l3[0] = 0x60;
		l3[7] = 64;
		for (i = 0; i < 32; i++)
			l3[8 + i] = (uint8_t)(i * 13 + conf);
		s->l3_len = gz_exts(in, l3);
	} else {
		l3[0] = 0x45;
		l3[8] = 64;
		l3[9] = IPPROTO_TCP;
		for (i = 0; i < 8; i++)
			l3[12 + i] = (uint8_t)(i * 29 + conf);
		s->l3_len = 20;
	}
	s->l4_len = 20u + 4u * (fz_u8(in) % 11);
	s->mss = fz_u16(in);
	s->payload = fz_u16(in) % GZ_MAX_PAYLOAD;
	s->flags = fz_u8(in);
	s->split = 1u + fz_u16(in) % 4096;
	th = l3 + s->l3_len;
	fz_bytes(in, th, 8); /* ports, sequence number */
	th[12] = (uint8_t)(s->l4_len / 4 << 4);
	th[13] = s->flags;
	hdr = RTE_ETHER_HDR_LEN + s->l3_len + s->l4_len;
	for (i = 0; i < s->payload; i++)
		gz_pkt[hdr + i] = (uint8_t)(i * 7 + i / 253);
	if (s->v6) {
		l3[4] = (uint8_t)((s->l3_len - 40 + s->l4_len + s->payload) >> 8);
		l3[5] = (uint8_t)(s->l3_len - 40 + s->l4_len + s->payload);
	} else {
		l3[2] = (uint8_t)((20 + s->l4_len + s->payload) >> 8);
		l3[3] = (uint8_t)(20 + s->l4_len + s->payload);
	}
	/* a guest's lie: bytes of the headers changed after the lengths were taken */
	for (uint32_t f = fz_u8(in) % (GZ_MAX_FLIPS + 1); f > 0; f--) {
		uint16_t at = fz_u16(in);

		gz_pkt[at % hdr] ^= fz_u8(in);
	}
	return hdr + s->payload;
}

/* gz_pkt as a chain: the headers whole in the first mbuf, then s->split bytes per mbuf. */
static struct rte_mbuf *gz_mbuf(const struct gz_shape *s, uint32_t len)
{
	uint32_t hdr = RTE_ETHER_HDR_LEN + s->l3_len + s->l4_len, done = 0;
	struct rte_mbuf *head = NULL;

	while (done < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(gz_direct);
		uint32_t n = done == 0 ? RTE_MAX(hdr, RTE_MIN(len, s->split)) :
					 RTE_MIN(s->split, len - done);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = RTE_MIN(n, rte_pktmbuf_tailroom(m));
		fz_check(done > 0 || n >= hdr, "headers fit the first mbuf");
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), gz_pkt + done, n);
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		done += n;
	}
	head->l2_len = RTE_ETHER_HDR_LEN;
	head->l3_len = s->l3_len;
	head->l4_len = s->l4_len;
	head->tso_segsz = s->mss;
	head->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
			 (s->v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	return head;
}

/* Linux's flag rules, both IP versions: FIN and PSH on the last segment only, CWR on the
 * first only, the rest as the packet has them (flips included). */
static void gz_check_flags(const struct gz_shape *s, const uint8_t *seg, unsigned int i,
			   unsigned int nb)
{
	uint32_t th = RTE_ETHER_HDR_LEN + s->l3_len;
	uint8_t want = gz_pkt[th + 13];

	if (i + 1 < nb)
		want &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (i > 0)
		want &= (uint8_t)~RTE_TCP_CWR_FLAG;
	fz_check(seg[th + 13] == want, "segment %u of %u: flags %#x, not %#x", i, nb, seg[th + 13],
		 want);
}

/* The IPv6 header fields a segment keeps from the packet (all but payload length, TCP
 * sequence number, flags and checksum). */
static void gz_check_v6_headers(const struct gz_shape *s, const uint8_t *seg, unsigned int i,
				uint32_t seq)
{
	uint32_t th = RTE_ETHER_HDR_LEN + s->l3_len, hdr = th + s->l4_len;

	fz_check(memcmp(seg, gz_pkt, RTE_ETHER_HDR_LEN + 4) == 0 &&
		 memcmp(seg + RTE_ETHER_HDR_LEN + 6, gz_pkt + RTE_ETHER_HDR_LEN + 6,
			s->l3_len - 6) == 0 &&
		 memcmp(seg + th, gz_pkt + th, 4) == 0 && memcmp(seg + th + 8, gz_pkt + th + 8, 5) == 0 &&
		 memcmp(seg + th + 14, gz_pkt + th + 14, 2) == 0 &&
		 memcmp(seg + th + 18, gz_pkt + th + 18, hdr - th - 18) == 0,
		 "segment %u: headers differ from the packet's", i);
	fz_check(pkt_rd16(seg + th + 4) == (uint16_t)(seq >> 16) &&
		 pkt_rd16(seg + th + 6) == (uint16_t)seq, "segment %u: sequence number", i);
}

/* The invariants over the segments of one packet; frees them. */
static void gz_check(const struct gz_shape *s, uint32_t gso_size, struct rte_mbuf **out, int n)
{
	uint32_t hdr = RTE_ETHER_HDR_LEN + s->l3_len + s->l4_len, done = 0;
	uint32_t th = RTE_ETHER_HDR_LEN + s->l3_len;
	uint32_t seq = (uint32_t)pkt_rd16(gz_pkt + th + 4) << 16 | pkt_rd16(gz_pkt + th + 6);

	for (int i = 0; i < n; i++) {
		struct rte_mbuf *m = out[i];
		const uint8_t *b;

		fz_check(m != NULL, "segment %d is NULL", i);
		fz_check_chain(m, "pkt_gso_segment");
		fz_check(m->pkt_len <= gso_size && m->pkt_len > hdr,
			 "segment %d: %u bytes, headers %u, most %u", i, m->pkt_len, hdr, gso_size);
		fz_check(i == n - 1 || m->pkt_len == gso_size, "segment %d short of the MSS", i);
		b = rte_pktmbuf_read(m, 0, m->pkt_len, gz_seg);
		fz_check(b != NULL, "segment %d unreadable", i);
		fz_check(memcmp(b + hdr, gz_pkt + hdr + done, m->pkt_len - hdr) == 0,
			 "segment %d: payload bytes are not the packet's", i);
		if (s->v6)
			gz_check_v6_headers(s, b, (unsigned int)i, seq + done);
		gz_check_flags(s, b, (unsigned int)i, (unsigned int)n);
		done += m->pkt_len - hdr;
	}
	fz_check(done == s->payload, "segments carry %u payload bytes of %u", done, s->payload);
	rte_pktmbuf_free_bulk(out, (unsigned int)n);
}

/* @p m as a wire port hands its own aggregate over, through pkt_rx_offload_adopt.
 * @return whether it was taken (else freed); *exact: its headers are those built. */
static bool gz_adopt(const struct gz_shape *s, struct rte_mbuf *m, bool *exact)
{
	uint64_t tx = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
	uint16_t field, want;
	const uint8_t *l3;

	m->ol_flags = RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	m->l2_len = m->l3_len = m->l4_len = 0;
	if (pkt_rx_offload_adopt(m) != 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	fz_check((m->ol_flags & tx) == tx && !(m->ol_flags & RTE_MBUF_F_RX_LRO) &&
		 (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE &&
		 !!(m->ol_flags & RTE_MBUF_F_TX_IPV4) + !!(m->ol_flags & RTE_MBUF_F_TX_IPV6) == 1,
		 "adopted marks %#llx", (unsigned long long)m->ol_flags);
	fz_check(m->l2_len + m->l3_len + m->l4_len <= m->data_len && m->l4_len >= 20 &&
		 m->tso_segsz >= PKT_GSO_MIN_MSS && m->tso_segsz == s->mss,
		 "adopted lengths %u/%u/%u of %u, MSS %u", m->l2_len, m->l3_len, m->l4_len,
		 m->data_len, m->tso_segsz);
	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	memcpy(&field, l3 + m->l3_len + 16, 2);
	want = pkt_tcp_phdr_sum(l3, (m->ol_flags & RTE_MBUF_F_TX_IPV4) != 0, 0);
	fz_check(field == want, "adopted TCP sum %#x, not the TSO sum %#x", field, want);
	*exact = m->l2_len == RTE_ETHER_HDR_LEN && m->l3_len == s->l3_len &&
		 m->l4_len == s->l4_len && !(m->ol_flags & RTE_MBUF_F_TX_IPV4) == s->v6;
	return true;
}

static void gz_one(struct fz_in *in)
{
	struct rte_mbuf *out[GZ_MAX_OUT] = { NULL }, *m;
	struct gz_shape s;
	uint32_t len = gz_build(in, &s), hdr = RTE_ETHER_HDR_LEN + s.l3_len + s.l4_len;
	uint16_t room = (uint16_t)(1 + fz_u8(in) % GZ_MAX_OUT);
	struct rte_gso_ctx ctx = {
		.direct_pool = gz_direct, .indirect_pool = gz_indirect,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)RTE_MIN(hdr + s.mss, (uint32_t)UINT16_MAX),
	};
	bool exact = true;
	int n;

	m = gz_mbuf(&s, len);
	if (m == NULL)
		return;
	if (s.port && !gz_adopt(&s, m, &exact)) {
		fz_check(rte_mempool_in_use_count(gz_direct) == 0, "a refused aggregate was kept");
		return;
	}
	n = pkt_gso_segment(m, &ctx, out, room);
	fz_check(n <= room, "%d segments in a room of %u", n, room);
	if (n > 0 && exact && ctx.gso_size > hdr && (s.v6 || s.payload > 0))
		gz_check(&s, ctx.gso_size, out, n);
	else if (n > 0)
		rte_pktmbuf_free_bulk(out, (unsigned int)n);
	for (unsigned int i = 0; n <= 0 && s.v6 && i < room; i++)
		fz_check(out[i] == NULL, "a refused packet left segment %u", i);
	rte_pktmbuf_free(m);
	fz_check(rte_mempool_in_use_count(gz_direct) == 0 &&
		 rte_mempool_in_use_count(gz_indirect) == 0,
		 "mbufs left after one packet: %u direct, %u indirect",
		 rte_mempool_in_use_count(gz_direct), rte_mempool_in_use_count(gz_indirect));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	/* no per-lcore caches: the in-use counts are exact */
	gz_direct = rte_pktmbuf_pool_create("fz_gso_direct", GZ_POOL_SIZE, 0, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	gz_indirect = rte_pktmbuf_pool_create("fz_gso_indirect", GZ_POOL_SIZE, 0, 0, 0,
					      SOCKET_ID_ANY);
	fz_check(gz_direct != NULL && gz_indirect != NULL, "pools");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;

	fz_in_init(&in, data, size);
	/* bounded: at most 8 packets per input */
	for (unsigned int k = 0; k < 8 && fz_more(&in); k++)
		gz_one(&in);
	return 0;
}
