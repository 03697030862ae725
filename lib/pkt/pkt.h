/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet header helpers shared by lib/lro, lib/netif, lib/switch and the app: the bottom
 * floor of lib/ (it needs DPDK alone, and nothing of ours). What each of them used to write
 * for itself, written once: the walk over the Ethernet header and its VLAN tags, and the TCP
 * pseudo-header sum a checksum offload expects (inline: both run per packet); and the
 * software TCP segmentation every path that segments goes through (pkt_gso.c).
 *
 * Byte order: ethertypes and TCIs are host order; headers are read as they are in memory.
 */
#ifndef DNB_PKT_H
#define DNB_PKT_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_version.h>

/** Most tags pkt_l2_walk() reports (802.1ad service tag + 802.1Q tag). */
#define PKT_MAX_TAGS 2

/** Whether @p etype (host order) is a VLAN tag: 802.1Q or 802.1ad. */
static inline bool pkt_etype_is_tag(uint16_t etype)
{
	return etype == RTE_ETHER_TYPE_VLAN || etype == RTE_ETHER_TYPE_QINQ;
}

/** What pkt_l2_walk() found. */
struct pkt_l2 {
	uint16_t etype;                /**< the ethertype after the tags (host order) */
	uint16_t l2_len;               /**< offset of the L3 header: 14 + 4 per tag */
	uint8_t nb_tags;               /**< tags in the data */
	uint16_t tci[PKT_MAX_TAGS];    /**< their TCIs (host order), outermost first */
};

static inline uint16_t pkt_rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/**
 * Walk the Ethernet header at @p d and the VLAN tags after it, reading only the first
 * @p len bytes (the caller's contiguous data: an mbuf's first segment).
 *
 * @param max_tags at most PKT_MAX_TAGS: a frame with more is refused (a caller that counts
 *   a stripped tag of the metadata passes one less).
 * @return 0 with @p l2 filled; -EMSGSIZE when the headers go past @p len (l2->l2_len is then
 *   how many bytes they would need); -ENOTSUP for more than @p max_tags tags (l2->etype is
 *   then the type of the tag too many). Fields not mentioned are undefined on error.
 */
static inline int pkt_l2_walk(const uint8_t *d, uint32_t len, unsigned int max_tags,
			      struct pkt_l2 *l2)
{
	uint32_t off = RTE_ETHER_HDR_LEN;

	l2->nb_tags = 0;
	l2->l2_len = RTE_ETHER_HDR_LEN;
	if (len < RTE_ETHER_HDR_LEN)
		return -EMSGSIZE;
	l2->etype = pkt_rd16(d + 12);
	/* bounded: one pass per tag, at most PKT_MAX_TAGS + 1 passes */
	while (pkt_etype_is_tag(l2->etype)) {
		if (l2->nb_tags >= max_tags || l2->nb_tags == PKT_MAX_TAGS)
			return -ENOTSUP;
		if (off + RTE_VLAN_HLEN > len) {
			l2->l2_len = (uint16_t)(off + RTE_VLAN_HLEN);
			return -EMSGSIZE;
		}
		l2->tci[l2->nb_tags++] = pkt_rd16(d + off);
		l2->etype = pkt_rd16(d + off + 2);
		off += RTE_VLAN_HLEN;
	}
	l2->l2_len = (uint16_t)off;
	return 0;
}

/**
 * The pseudo-header sum (not complemented) of an L4 packet of protocol @p proto (TCP, UDP)
 * over the IPv4 or IPv6 header at @p l3, for an L4 length of @p l4_len bytes (0 for DPDK's TSO convention, where the NIC
 * adds each segment's length).
 *
 * Not rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum: they take the length and the protocol from
 * the IP header, which is wrong for a segment being built (its length is not written yet) and
 * for IPv6 with extension headers (the fixed header's next header is not TCP, and its payload
 * length counts the extension headers). The sum is the one they compute otherwise.
 */
static inline uint16_t pkt_l4_phdr_sum(const void *l3, bool ipv4, uint8_t proto,
				       uint32_t l4_len)
{
	const uint8_t *addrs = (const uint8_t *)l3 + (ipv4 ? 12 : 8);
	uint32_t sum = __rte_raw_cksum(addrs, ipv4 ? 8 : 32, 0);

	sum += rte_cpu_to_be_16(proto);
	sum += rte_cpu_to_be_16((uint16_t)(l4_len >> 16)) + rte_cpu_to_be_16((uint16_t)l4_len);
	return __rte_raw_cksum_reduce(sum);
}

/** pkt_l4_phdr_sum() for TCP. */
static inline uint16_t pkt_tcp_phdr_sum(const void *l3, bool ipv4, uint32_t l4_len)
{
	return pkt_l4_phdr_sum(l3, ipv4, IPPROTO_TCP, l4_len);
}

/**
 * Write pkt_tcp_phdr_sum() into the checksum field of the TCP header that follows the IP
 * header at @p l3: what a checksum offload (a NIC's, or a netfront's csum_blank) expects to
 * find there. @p tso: DPDK's TSO convention (no length) rather than one segment's checksum
 * offload (the length of the segment the IP header says, as Linux's CHECKSUM_PARTIAL). The
 * field may be unaligned. The caller has checked that both headers are in its data.
 */
static inline void pkt_tcp_phdr_write(void *l3, uint16_t l3_len, bool ipv4, bool tso)
{
	uint8_t *th = (uint8_t *)l3 + l3_len;
	uint32_t l4_len = 0;
	uint16_t sum;

	/* 16 bits, as the IP header's own length field: a length the guest got wrong
	 * wraps as it did under rte_ipv4_phdr_cksum */
	if (!tso && ipv4)
		l4_len = (uint16_t)(pkt_rd16((uint8_t *)l3 + 2) - l3_len);
	else if (!tso)
		l4_len = (uint16_t)(pkt_rd16((uint8_t *)l3 + 4) + sizeof(struct rte_ipv6_hdr) -
				    l3_len);
	sum = pkt_tcp_phdr_sum(l3, ipv4, l4_len);
	memcpy(th + offsetof(struct rte_tcp_hdr, cksum), &sum, sizeof(sum));
}

/**
 * The complete TCP or UDP checksum (@p proto) of the IPv6 packet in @p m (l2_len and l3_len
 * set, extension headers counted in l3_len), over the L4 length its payload length gives:
 * what rte_ipv6_udptcp_cksum_mbuf computes without extension headers, and right with them.
 * The checksum field must hold 0. The L4 bytes may span segments. Never 0 (0xffff instead,
 * as UDP requires and TCP does not mind).
 *
 * @return 0 with *@p cksum set (network order, to store as is), or -EINVAL when the IP
 *   header is not in the first segment or its payload length goes past the frame.
 */
int pkt_ipv6_l4_cksum_mbuf(const struct rte_mbuf *m, uint8_t proto, uint16_t *cksum);

/* ---- IP address prefixes ------------------------------------------------------------------ */

/**
 * An IPv4 or IPv6 address with a prefix length, as the toolstack's `ip=` lists them (an
 * address alone is the full length): lib/xenbus parses them, lib/switch matches frames'
 * sources against them. @c addr holds 4 (IPv4) or 16 bytes in network order.
 */
struct pkt_ip_prefix {
	bool v6;
	uint8_t len;       /**< prefix length: 0..32 for IPv4, 0..128 for IPv6 */
	uint8_t addr[16];
};

/** Whether the @p v6 address at @p a (4 or 16 bytes, network order, maybe unaligned) is in @p p. */
static inline bool pkt_ip_prefix_match(const struct pkt_ip_prefix *p, bool v6, const uint8_t *a)
{
	unsigned int whole = p->len / 8, rest = p->len % 8;

	if (p->v6 != v6)
		return false;
	if (memcmp(p->addr, a, whole) != 0)
		return false;
	return rest == 0 || ((p->addr[whole] ^ a[whole]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* ---- software TCP segmentation (pkt_gso.c) ----------------------------------------------- */

/*
 * The first DPDK whose rte_gso_segment segments TCP over IPv6: none we know of. 22.11 up to
 * 25.07 take TCP over IPv4 only (lib/gso/rte_gso.c dispatches on IS_IPV4_TCP and returns
 * "unsupported" for the rest); a gso_tcp6 patch was posted to dev@dpdk.org in December 2024.
 * Once a release has it, set its version here and pkt_gso_segment hands IPv6 to librte_gso.
 */
#define PKT_RTE_GSO_TCP6_SINCE RTE_VERSION_NUM(99, 0, 0, 0)
#define PKT_RTE_GSO_TCP6 (RTE_VERSION >= PKT_RTE_GSO_TCP6_SINCE)

/**
 * Segment the TSO packet @p pkt (RTE_MBUF_F_TX_TCP_SEG, with RTE_MBUF_F_TX_IPV4 or _IPV6, and
 * l2_len, l3_len, l4_len set; its headers in the first segment) into frames of at most
 * @p ctx->gso_size bytes (headers + MSS), as rte_gso_segment does: TCP over IPv4 by
 * librte_gso, TCP over IPv6 by pkt_gso_tcp6_segment() unless PKT_RTE_GSO_TCP6. The one entry
 * point for every caller that segments. Both follow Linux's flag rules (FIN and PSH on
 * the last segment only, CWR on the first only: librte_gso's CWR is cleared after it).
 *
 * Ownership, as rte_gso_segment: @p pkt is neither freed nor kept; the segments hold
 * references to its payload, so the caller frees it either way. Segments are written to
 * @p out, at most @p nb_out of them.
 *
 * @return segments made (> 0); 0 if @p pkt needs no segmentation; -ENOTSUP for a packet type
 *   it does not segment (not TCP, IPv6 extension headers other than hop-by-hop, routing and
 *   destination options, a jumbogram); another negative errno for a malformed packet
 *   (-EINVAL), a pool out of mbufs (-ENOMEM), or more segments than @p nb_out (-ENOSPC).
 *   On error no segment is left: those made are freed and their @p out entries NULL.
 */
int pkt_gso_segment(struct rte_mbuf *pkt, const struct rte_gso_ctx *ctx,
		    struct rte_mbuf **out, uint16_t nb_out);

/**
 * TCP over IPv6 segmentation (Linux's tcp_gso_segment over ipv6_gso_segment), whatever DPDK
 * offers; pkt_gso_segment() is what callers use. Every segment carries the big packet's
 * headers (extension headers included) with its own payload length and sequence number;
 * FIN and PSH stay on the last segment only and CWR on the first only; the TCP checksum
 * field holds the segment's pseudo-header sum and ol_flags ask for TCP checksum offload
 * (RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM), as a segment of librte_gso is left.
 * Same contract as pkt_gso_segment().
 */
int pkt_gso_tcp6_segment(struct rte_mbuf *pkt, const struct rte_gso_ctx *ctx,
			 struct rte_mbuf **out, uint16_t nb_out);

/**
 * Whether the @p l3_len bytes at @p ip6 are an IPv6 header and extension headers a TCP
 * segment may carry in every segment (hop-by-hop, routing, destination options), ending
 * exactly at a TCP header. @return 0; -ENOTSUP for another extension header or a final next
 * header other than TCP; -EINVAL for a chain that does not end at @p l3_len.
 */
int pkt_ipv6_tcp_exthdrs(const uint8_t *ip6, uint32_t l3_len);

/**
 * Smallest GSO size (MSS) a packet may carry: Linux's TCP_MIN_SND_MSS, the least its own
 * TCP sends. A packet that asks for less is malformed.
 */
#define PKT_GSO_MIN_MSS 48u

/* Largest l2_len / l3_len an rte_mbuf holds (7 and 9 bit fields). */
#define PKT_MBUF_L2_LEN_MAX 127u
#define PKT_MBUF_L3_LEN_MAX 511u

/**
 * Header lengths rte_net_get_ptype() found in @p m fit the mbuf's offload fields (IPv6
 * extension headers can pass 511 bytes: a truncated l3_len would point a NIC or librte_gso
 * into the payload) and lie in its first segment, where every consumer reads them.
 */
static inline bool pkt_hdr_lens_ok(const struct rte_mbuf *m, const struct rte_net_hdr_lens *hl)
{
	return hl->l2_len <= PKT_MBUF_L2_LEN_MAX && hl->l3_len <= PKT_MBUF_L3_LEN_MAX &&
	       (uint32_t)hl->l2_len + hl->l3_len + hl->l4_len <= m->data_len;
}

/** An MSS a TCP sender could use whose segments fit an IP packet with headers @p hl. */
static inline bool pkt_gso_size_ok(const struct rte_net_hdr_lens *hl, uint32_t mss)
{
	return mss >= PKT_GSO_MIN_MSS && (uint32_t)hl->l3_len + hl->l4_len + mss <= UINT16_MAX;
}

/**
 * Give @p m the offload marks of a packet whose L4 checksum field holds only the
 * pseudo-header sum, found by rte_net_get_ptype() as @p ptype (TCP or UDP over IPv4 or
 * IPv6: the caller has checked) with header lengths @p hl (pkt_hdr_lens_ok()):
 * packet_type, l2/l3/l4_len, RTE_MBUF_F_TX_IPV4 or _IPV6, RTE_MBUF_F_TX_TCP_CKSUM or
 * _UDP_CKSUM; with @p mss non-zero (TCP, pkt_gso_size_ok()) also RTE_MBUF_F_TX_TCP_SEG,
 * RTE_MBUF_F_TX_IP_CKSUM for IPv4, and tso_segsz. The one form in which such packets travel
 * this tree (pkt_offload.c): what the switch, egress and lib/netif's guest RX read.
 * The checksum field itself is the caller's. Pure.
 */
void pkt_partial_mark(struct rte_mbuf *m, uint32_t ptype, const struct rte_net_hdr_lens *hl,
		      uint16_t mss);

/**
 * A wire port's received packet that the port left partial, brought to pkt_partial_mark()'s
 * form: an aggregate of the port's own LRO (RTE_MBUF_F_RX_LRO with tso_segsz: a NIC's LRO,
 * virtio's GUEST_TSO), or a packet whose checksum it did not finish
 * (RTE_MBUF_F_RX_L4_CKSUM_NONE: virtio's NEEDS_CSUM, Linux's CHECKSUM_PARTIAL). An aggregate's
 * TCP checksum field is rewritten to DPDK's TSO sum (no length), as lib/lro's aggregates
 * have it; a partial packet's keeps the port's sum (Linux's, with the length: DPDK's for
 * checksum offload). Both leave with RTE_MBUF_F_RX_L4_CKSUM_NONE only (RX_LRO cleared).
 * Any other packet is left as it is.
 *
 * @return 0; -EINVAL for a packet the port marked that is not TCP (an aggregate) or TCP/UDP
 *   (partial) over IPv4/IPv6, whose headers fail pkt_hdr_lens_ok(), or whose MSS fails
 *   pkt_gso_size_ok(): it cannot be finished, the caller drops and counts it.
 */
int pkt_rx_offload_adopt(struct rte_mbuf *m);

/** What pkt_flow_tuple() found: an IP frame's addresses and ports, as in its headers. */
struct pkt_flow_tuple {
	uint8_t ipv;        /**< 4 or 6; 0: not IP, or its header is not in the first segment */
	uint8_t proto;      /**< the L4 protocol: IPv4's, IPv6's fixed header's next header */
	bool has_ports;     /**< TCP or UDP, not a fragment, the ports in the first segment */
	uint8_t addrs[32];  /**< source then destination: 8 bytes (IPv4) or 32 (IPv6) */
	uint8_t ports[4];   /**< source then destination port, when @c has_ports */
};

/**
 * Read the flow tuple of the frame @p m (after its Ethernet header and up to PKT_MAX_TAGS
 * VLAN tags) from its first segment: the one walk that both flow hashes (pkt_flow_hash()
 * and netif's Toeplitz hash) read. IPv6 ports only right after the fixed header: a flow
 * with extension headers carries them on every packet, so it is still read alike.
 * @return the IP version found (t->ipv). Pure.
 */
int pkt_flow_tuple(const struct rte_mbuf *m, struct pkt_flow_tuple *t);

/**
 * The flow hash to spread frames over a multi-queue destination by (pkt_hash.c), as
 * xen-netback's xenvif_select_queue uses skb_get_hash: the mbuf's RSS hash when it has one,
 * else a hash of the IP addresses and the TCP/UDP ports (not of a fragment's), read from
 * the first segment; 0 for a frame that is not IP. The same for every frame of a flow.
 */
uint32_t pkt_flow_hash(const struct rte_mbuf *m);

#endif /* DNB_PKT_H */
