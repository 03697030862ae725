/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header parsing and per-packet validation. Reads only bytes inside the first mbuf segment
 * (and, for the TCP checksum, inside the frame), whatever the wire says.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "lro_internal.h"

#define ETH_HLEN 14
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define ETYPE_VLAN 0x8100
#define ETYPE_QINQ 0x88a8
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

static inline uint64_t key_hash(const struct lro_flow_key *k)
{
	uint64_t w[8], h = 0;

	memcpy(w, k, sizeof(w));
	for (int i = 0; i < 8; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
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

/* Walk Ethernet and VLAN tags; returns the L3 offset or 0 with *cause set. */
static uint32_t parse_l2(struct lro_ctx *ctx, const struct rte_mbuf *m, const uint8_t *d,
			 struct lro_pkt *p, uint16_t *etype, uint64_t **cause)
{
	uint32_t off = ETH_HLEN;
	unsigned int ntags = 0;

	if (m->data_len < ETH_HLEN) {
		*cause = short_cause(ctx, m, ETH_HLEN);
		return 0;
	}
	memcpy(p->key.dmac, d, 6);
	memcpy(p->key.smac, d + 6, 6);
	*etype = rd16(d + 12);
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		p->key.vlan[0] = m->vlan_tci;
		p->key.vlan_stripped = 1;
		ntags = 1;
	}
	while (*etype == ETYPE_VLAN || *etype == ETYPE_QINQ) {
		if (ntags == 2) {
			*cause = &ctx->stats.not_ip;
			return 0;
		}
		if (off + 4 > m->data_len) {
			*cause = short_cause(ctx, m, off + 4);
			return 0;
		}
		p->key.vlan[ntags++] = rd16(d + off);
		*etype = rd16(d + off + 2);
		off += 4;
	}
	p->key.l2_len = (uint8_t)off;
	return off;
}

/* IPv4 header up to (not including) TCP. Returns LRO_V_OK to go on to TCP. */
static enum lro_verdict parse_ipv4(struct lro_ctx *ctx, const struct rte_mbuf *m,
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
	p->key.ipver = 4;
	memcpy(p->key.src, ip + 12, 4);
	memcpy(p->key.dst, ip + 16, 4);
	p->l3_len = (uint16_t)ihl_len;
	p->ip_id = rd16(ip + 4);
	p->df = (ip[6] & 0x40) != 0;
	p->tos = ip[1];
	p->ttl = ip[8];
	return LRO_V_OK;
}

static enum lro_verdict parse_ipv6(struct lro_ctx *ctx, const struct rte_mbuf *m,
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
	p->key.ipver = 6;
	p->key.flow_label = rte_cpu_to_be_32(word0 & 0xfffffu);
	memcpy(p->key.src, ip + 8, 16);
	memcpy(p->key.dst, ip + 24, 16);
	p->l3_len = IPV6_HLEN;
	p->ip_len = IPV6_HLEN + plen;
	p->ip_id = 0;
	p->df = 0;
	p->tos = (uint8_t)(word0 >> 20);
	p->ttl = ip[7];
	return LRO_V_OK;
}

static bool ip_csum_ok(const struct rte_mbuf *m, const struct lro_pkt *p)
{
	uint64_t st = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (p->key.ipver != 4 || st == RTE_MBUF_F_RX_IP_CKSUM_GOOD ||
	    st == RTE_MBUF_F_RX_IP_CKSUM_NONE)
		return true;
	if (st == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return rte_raw_cksum(p->l3, p->l3_len) == 0xffff;
}

static bool l4_csum_ok(const struct rte_mbuf *m, const struct lro_pkt *p)
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
	if (p->key.ipver == 4)
		sum = __rte_raw_cksum(p->l3 + 12, 8, 0);
	else
		sum = __rte_raw_cksum(p->l3 + 8, 32, 0);
	sum += rte_cpu_to_be_16(PROTO_TCP) + rte_cpu_to_be_16((uint16_t)l4_total);
	if (l4_off + l4_total <= m->data_len) {
		sum = __rte_raw_cksum(p->l4, l4_total, sum);
	} else {
		if (rte_raw_cksum_mbuf(m, l4_off, l4_total, &data) != 0)
			return false;
		sum += data;
	}
	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/* TCP header and the checks that need the flow key. */
static enum lro_verdict parse_tcp(struct lro_ctx *ctx, const struct rte_mbuf *m,
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
	memcpy(&p->key.sport, th, 2);
	memcpy(&p->key.dport, th + 2, 2);
	p->hash = key_hash(&p->key);
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
	if (p->l3_len != 20 && p->key.ipver == 4) {
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

enum lro_verdict lro_parse(struct lro_ctx *ctx, struct rte_mbuf *m, struct lro_pkt *p,
			   uint64_t **cause)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	enum lro_verdict v;
	uint16_t etype;
	uint32_t off;

	memset(&p->key, 0, sizeof(p->key));
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
