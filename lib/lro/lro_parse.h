/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header parsing and per-packet validation. Reads only bytes inside the first mbuf segment
 * (and, for the TCP checksum, inside the frame), whatever the wire says. Header-only so the
 * per-packet path is compiled as one unit (included by lro.c alone).
 */
#ifndef LRO_PARSE_H
#define LRO_PARSE_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "lro_internal.h"
#include "pkt.h"

#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define PROTO_TCP 6

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Counter for a frame whose headers do not fit the first segment: truncated or split. */
static inline uint64_t *short_cause(struct lro_ctx *ctx, const struct rte_mbuf *m, uint32_t need)
{
	return need > m->pkt_len ? &ctx->stats.bad_hdr : &ctx->stats.hdr_split;
}

/* Addresses, ports and VLAN tags (the first 40 bytes of the key) decide the bucket; the
 * multiplies are independent so they overlap. */
static inline uint64_t key_hash(const uint64_t *w)
{
	uint64_t h = (w[0] ^ 0x243f6a8885a308d3ULL) * 0x9e3779b97f4a7c15ULL +
		     (w[1] ^ 0x13198a2e03707344ULL) * 0xc2b2ae3d27d4eb4fULL +
		     (w[2] ^ 0xa4093822299f31d0ULL) * 0x165667b19e3779f9ULL +
		     (w[3] ^ 0x082efa98ec4e6c89ULL) * 0x27d4eb2f165667c5ULL +
		     (w[4] ^ 0x452821e638d01377ULL) * 0x94d049bb133111ebULL;

	return h ^ (h >> 29) ^ (h >> 47);
}

static inline uint64_t ld64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static inline uint32_t ld32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static inline bool is_ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case 0: case 43: case 44: case 50: case 51: case 60: case 135: case 139: case 140:
	case 253: case 254:
		return true;
	default:
		return false;
	}
}

/* Walk Ethernet and VLAN tags (pkt_l2_walk); returns the L3 offset or 0 with *cause set.
 * A tag the NIC stripped counts as the outer one: two tags in all, as before. */
static inline uint32_t parse_l2(struct lro_ctx *ctx, const struct rte_mbuf *m, const uint8_t *d,
			 struct lro_pkt *p, uint16_t *etype, uint64_t **cause)
{
	uint64_t stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	uint64_t vlans = stripped ? m->vlan_tci : 0;
	struct pkt_l2 l2;
	int rc;

	rc = pkt_l2_walk(d, m->data_len, PKT_MAX_TAGS - (unsigned int)stripped, &l2);
	if (rc == -EMSGSIZE) {
		*cause = short_cause(ctx, m, l2.l2_len);
		return 0;
	}
	if (rc != 0) {
		*cause = &ctx->stats.not_ip;
		return 0;
	}
	p->key.w[5] = ld64(d);
	p->key.w[6] = ld32(d + 8);
	*etype = l2.etype;
	for (unsigned int t = 0; t < l2.nb_tags; t++)
		vlans |= (uint64_t)l2.tci[t] << (16 * (t + stripped));
	p->key.w[4] = vlans << 32;
	p->key.w[6] |= stripped << 56 | (uint64_t)l2.nb_tags << 57;
	p->l2_len = l2.l2_len;
	return l2.l2_len;
}

/* IPv4 header up to (not including) TCP. Returns LRO_V_OK to go on to TCP. */
static inline enum lro_verdict parse_ipv4(struct lro_ctx *ctx, const struct rte_mbuf *m,
				   struct lro_pkt *p, uint32_t off, uint64_t **cause)
{
	const uint8_t *ip = p->l3;
	uint32_t ihl_len;

	if (off + 20 > m->data_len) {
		*cause = short_cause(ctx, m, off + 20);
		return LRO_V_PASS;
	}
	ihl_len = (ip[0] & 0xfu) * 4u;
	p->ip_len = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl_len < 20 || p->ip_len < ihl_len ||
	    off + p->ip_len > m->pkt_len) {
		*cause = &ctx->stats.bad_hdr;
		return LRO_V_PASS;
	}
	if (ip[9] != PROTO_TCP) {
		*cause = &ctx->stats.not_tcp;
		return LRO_V_PASS;
	}
	if (rd16(ip + 6) & 0x1fff) { /* a later fragment: no ports, no flow */
		*cause = &ctx->stats.ip_frag;
		return LRO_V_PASS;
	}
	/* A first fragment has the ports: it is never merged but keeps its flow's order. */
	p->first_frag = (ip[6] & 0x20) != 0;
	{
		uint64_t addrs = ld64(ip + 12);

		p->key.w[0] = (uint32_t)addrs;
		p->key.w[1] = 0;
		p->key.w[2] = addrs >> 32;
		p->key.w[3] = 0;
	}
	p->key.w[6] |= 4ULL << 52;
	p->ipver = 4;
	p->l3_len = (uint16_t)ihl_len;
	p->ip_id = rd16(ip + 4);
	p->df = (ip[6] & 0x40) != 0;
	p->tos = ip[1];
	p->ttl = ip[8];
	return LRO_V_OK;
}

static inline enum lro_verdict parse_ipv6(struct lro_ctx *ctx, const struct rte_mbuf *m,
				   struct lro_pkt *p, uint32_t off, uint64_t **cause)
{
	const uint8_t *ip = p->l3;
	uint32_t word0, plen;

	if (off + IPV6_HLEN > m->data_len) {
		*cause = short_cause(ctx, m, off + IPV6_HLEN);
		return LRO_V_PASS;
	}
	word0 = rd32(ip);
	plen = rd16(ip + 4);
	if ((word0 >> 28) != 6) {
		*cause = &ctx->stats.bad_hdr;
		return LRO_V_PASS;
	}
	if (ip[6] != PROTO_TCP) {
		*cause = is_ipv6_ext(ip[6]) ? &ctx->stats.ipv6_ext : &ctx->stats.not_tcp;
		return LRO_V_PASS;
	}
	if (plen == 0) { /* jumbogram: the length is in a hop-by-hop option */
		*cause = &ctx->stats.ipv6_ext;
		return LRO_V_PASS;
	}
	if (off + IPV6_HLEN + plen > m->pkt_len) {
		*cause = &ctx->stats.bad_hdr;
		return LRO_V_PASS;
	}
	p->first_frag = 0;
	p->key.w[0] = ld64(ip + 8);
	p->key.w[1] = ld64(ip + 16);
	p->key.w[2] = ld64(ip + 24);
	p->key.w[3] = ld64(ip + 32);
	p->key.w[6] |= (uint64_t)(word0 & 0xfffffu) << 32 | 6ULL << 52;
	p->ipver = 6;
	p->l3_len = IPV6_HLEN;
	p->ip_len = IPV6_HLEN + plen;
	/* IPv6 has no ID: treat it as a constant ID with DF, so the IPv4 ID rule needs no
	 * branch on the version and always holds. */
	p->ip_id = 0;
	p->df = 1;
	p->tos = (uint8_t)(word0 >> 20);
	p->ttl = ip[7];
	return LRO_V_OK;
}

/*
 * One's complement sum of @len bytes, as 16-bit words in memory order, folded to 16 bits
 * (the value __rte_raw_cksum() + __rte_raw_cksum_reduce() give). Four independent 64-bit
 * accumulators of 32-bit words let the loads overlap; that is ~3x faster than the 16-bit
 * loop at -O2 on full-size segments. Not inlined: it needs its own registers.
 */
static __rte_noinline uint16_t raw_sum(const uint8_t *b, uint32_t len, uint32_t sum)
{
	uint64_t a0 = sum, a1 = 0, a2 = 0, a3 = 0;
	uint32_t i = 0;

	for (; i + 16 <= len; i += 16) {
		a0 += ld32(b + i);
		a1 += ld32(b + i + 4);
		a2 += ld32(b + i + 8);
		a3 += ld32(b + i + 12);
	}
	for (; i + 4 <= len; i += 4)
		a0 += ld32(b + i);
	if (i + 2 <= len) {
		uint16_t w;

		memcpy(&w, b + i, 2);
		a1 += w;
		i += 2;
	}
	if (i < len) {
		uint16_t w = 0;

		memcpy(&w, b + i, 1);
		a2 += w;
	}
	a0 = (a0 & 0xffffffffULL) + (a0 >> 32) + (a1 & 0xffffffffULL) + (a1 >> 32) +
	     (a2 & 0xffffffffULL) + (a2 >> 32) + (a3 & 0xffffffffULL) + (a3 >> 32);
	a0 = (a0 & 0xffffffffULL) + (a0 >> 32);
	a0 = (a0 & 0xffffffffULL) + (a0 >> 32);
	return __rte_raw_cksum_reduce((uint32_t)((a0 & 0xffff) + (a0 >> 16)));
}

static inline bool ip_csum_ok(const struct rte_mbuf *m, const struct lro_pkt *p)
{
	uint64_t st = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (st == RTE_MBUF_F_RX_IP_CKSUM_GOOD || st == RTE_MBUF_F_RX_IP_CKSUM_NONE ||
	    p->ipver != 4)
		return true;
	if (st == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return rte_raw_cksum(p->l3, p->l3_len) == 0xffff;
}

static inline bool l4_csum_ok(const struct rte_mbuf *m, const struct lro_pkt *p)
{
	uint64_t st = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	uint32_t l4_off = (uint32_t)(p->l4 - rte_pktmbuf_mtod(m, uint8_t *));
	uint32_t l4_total = p->ip_len - p->l3_len;
	uint32_t sum;
	uint16_t data;

	if (st == RTE_MBUF_F_RX_L4_CKSUM_GOOD || st == RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return true;
	if (st == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	if (p->ipver == 4)
		sum = __rte_raw_cksum(p->l3 + 12, 8, 0);
	else
		sum = __rte_raw_cksum(p->l3 + 8, 32, 0);
	sum += rte_cpu_to_be_16(PROTO_TCP) + rte_cpu_to_be_16((uint16_t)l4_total);
	if (l4_off + l4_total <= m->data_len) {
		sum = raw_sum(p->l4, l4_total, sum);
	} else {
		if (rte_raw_cksum_mbuf(m, l4_off, l4_total, &data) != 0)
			return false;
		sum += data;
	}
	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/* TCP header and the checks that need the flow key. */
static inline enum lro_verdict parse_tcp(struct lro_ctx *ctx, const struct rte_mbuf *m,
				  struct lro_pkt *p, uint32_t off, uint64_t **cause)
{
	const uint8_t *th = p->l3 + p->l3_len;
	uint32_t l4_off = off + p->l3_len;

	if (p->ip_len < (uint32_t)p->l3_len + TCP_HLEN) {
		*cause = &ctx->stats.bad_hdr;
		return LRO_V_PASS;
	}
	if (l4_off + TCP_HLEN > m->data_len) {
		*cause = short_cause(ctx, m, l4_off + TCP_HLEN);
		return LRO_V_PASS;
	}
	p->l4 = (uint8_t *)(uintptr_t)th;
	p->key.w[4] |= ld32(th);
	p->hash = key_hash(p->key.w);
	/* From here on the packet has a flow: whatever it is, it must not overtake it. */
	p->l4_len = (uint16_t)((th[12] >> 4) * 4u);
	if (p->l4_len < TCP_HLEN || (uint32_t)p->l3_len + p->l4_len > p->ip_len) {
		*cause = &ctx->stats.bad_hdr;
		return LRO_V_FLOW_ONLY;
	}
	if (l4_off + p->l4_len > m->data_len) {
		*cause = short_cause(ctx, m, l4_off + p->l4_len);
		return LRO_V_FLOW_ONLY;
	}
	p->seq = rd32(th + 4);
	p->ack = rd32(th + 8);
	memcpy(&p->tcp_word3, th + 12, 4);
	p->flags = th[13];
	p->payload_len = p->ip_len - p->l3_len - p->l4_len;
	if (p->first_frag) {
		*cause = &ctx->stats.ip_frag;
		return LRO_V_FLOW_ONLY;
	}
	if (p->l3_len != 20 && p->ipver == 4) {
		*cause = &ctx->stats.ip_opts;
		return LRO_V_FLOW_ONLY;
	}
	if (off + p->ip_len != m->pkt_len) {
		*cause = &ctx->stats.len_mismatch;
		return LRO_V_FLOW_ONLY;
	}
	if (!ip_csum_ok(m, p)) {
		*cause = &ctx->stats.bad_ip_csum;
		return LRO_V_FLOW_ONLY;
	}
	if (p->payload_len == 0) {
		*cause = &ctx->stats.no_payload;
		return LRO_V_FLOW_ONLY;
	}
	if (p->flags & (LRO_TCP_SYN | LRO_TCP_RST | LRO_TCP_URG)) {
		*cause = &ctx->stats.tcp_flags;
		return LRO_V_FLOW_ONLY;
	}
	if (!l4_csum_ok(m, p)) {
		*cause = &ctx->stats.bad_l4_csum;
		return LRO_V_FLOW_ONLY;
	}
	return LRO_V_OK;
}

/* Parse @m; on LRO_V_FLOW_ONLY / LRO_V_PASS, *cause points at the counter to bump. */
static inline enum lro_verdict lro_parse(struct lro_ctx *ctx, struct rte_mbuf *m,
					 struct lro_pkt *p, uint64_t **cause)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	enum lro_verdict v;
	uint16_t etype;
	uint32_t off;

	off = parse_l2(ctx, m, d, p, &etype, cause);
	if (off == 0)
		return LRO_V_PASS;
	p->l3 = d + off;
	if (etype == ETYPE_IPV4) {
		v = parse_ipv4(ctx, m, p, off, cause);
	} else if (etype == ETYPE_IPV6) {
		v = parse_ipv6(ctx, m, p, off, cause);
	} else {
		*cause = &ctx->stats.not_ip;
		return LRO_V_PASS;
	}
	if (v != LRO_V_OK)
		return v;
	return parse_tcp(ctx, m, p, off, cause);
}

#endif /* LRO_PARSE_H */
