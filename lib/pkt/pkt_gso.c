/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software TCP segmentation for a port without TSO (Linux's tcp_gso_segment and
 * ipv6_gso_segment; DPDK's gso_tcp4_segment): TCP over IPv4 goes to librte_gso, TCP over
 * IPv6 is segmented here while no DPDK release does it (see PKT_RTE_GSO_TCP6).
 *
 * Each segment is a direct mbuf with a copy of the headers, chained to indirect mbufs that
 * point into the big packet's payload: the payload is not copied, as librte_gso does not.
 */
#include <rte_version.h>

#include "pkt.h"

#define IP6_HLEN ((uint32_t)sizeof(struct rte_ipv6_hdr))
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_DSTOPTS 60

/* TCP flags kept on the last segment only (Linux: fin, psh) and on the first only (cwr). */
#define TCP_FLAGS_LAST (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG)
#define TCP_FLAGS_FIRST RTE_TCP_CWR_FLAG

/*
 * The extension headers between the IPv6 header and TCP, all inside @p l3_len bytes.
 * Hop-by-hop, routing and destination options are copied into every segment, as Linux
 * does; anything else (a fragment header: a fragment is never TSO; AH: its ICV covers the
 * whole packet; ESP, mobility, unknown) is refused.
 */
int pkt_ipv6_tcp_exthdrs(const uint8_t *ip6, uint32_t l3_len)
{
	uint32_t off = IP6_HLEN;
	uint8_t nh = ip6[6];

	if (l3_len < IP6_HLEN)
		return -EINVAL;
	/* bounded: every pass advances at least 8 bytes within l3_len (at most 511) */
	while (off < l3_len) {
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS)
			return -ENOTSUP;
		if (off + 8 > l3_len)
			return -EINVAL;
		nh = ip6[off];
		off += ((uint32_t)ip6[off + 1] + 1) * 8;
	}
	if (off != l3_len)
		return -EINVAL;
	return nh == IPPROTO_TCP ? 0 : -ENOTSUP;
}

/* What the segmenter checks before it allocates anything. @return segments to make. */
static int tcp6_check(const struct rte_mbuf *pkt, uint32_t mss, uint16_t nb_out)
{
	uint32_t hdr_len = (uint32_t)pkt->l2_len + pkt->l3_len + pkt->l4_len;
	const uint8_t *ip6 = rte_pktmbuf_mtod_offset(pkt, const uint8_t *, pkt->l2_len);
	uint32_t payload, nb;
	int rc;

	if (mss == 0 || pkt->l4_len < sizeof(struct rte_tcp_hdr) || hdr_len > pkt->data_len ||
	    hdr_len >= pkt->pkt_len || pkt->l2_len < RTE_ETHER_HDR_LEN)
		return -EINVAL;
	rc = pkt_ipv6_tcp_exthdrs(ip6, pkt->l3_len);
	if (rc != 0)
		return rc;
	/* a jumbogram's length is in a hop-by-hop option we would have to rewrite */
	if (pkt_rd16(ip6 + 4) == 0)
		return -ENOTSUP;
	payload = pkt->pkt_len - hdr_len;
	nb = (payload + mss - 1) / mss;
	if (nb > nb_out)
		return -ENOSPC;
	return (int)nb;
}

/* Chain to @p head indirect mbufs for @p len payload bytes from *@p src at *@p off,
 * advancing the cursor. Bounded by the big packet's segments. */
static int attach_payload(struct rte_mbuf *head, struct rte_mbuf **tail,
			  struct rte_mempool *indirect, struct rte_mbuf **src, uint32_t *off,
			  uint32_t len)
{
	while (len > 0) {
		struct rte_mbuf *ind;
		uint32_t piece;

		while (*src != NULL && *off >= (*src)->data_len) {
			*off -= (*src)->data_len;
			*src = (*src)->next;
		}
		if (*src == NULL)
			return -EINVAL; /* pkt_len said more than the segments hold */
		ind = rte_pktmbuf_alloc(indirect);
		if (ind == NULL)
			return -ENOMEM;
		piece = RTE_MIN(len, (*src)->data_len - *off);
		rte_pktmbuf_attach(ind, *src);
		ind->data_off = (uint16_t)((*src)->data_off + *off);
		ind->data_len = (uint16_t)piece;
		ind->pkt_len = piece;
		(*tail)->next = ind;
		*tail = ind;
		head->nb_segs++;
		head->pkt_len += piece;
		*off += piece;
		len -= piece;
	}
	return 0;
}

/* The headers of segment @p i of @p nb: lengths, sequence number, flags, the pseudo-header
 * sum a checksum offload expects (the caller's port, or a software completion, does the
 * rest). */
static void tcp6_fix_headers(const struct rte_mbuf *pkt, struct rte_mbuf *seg, uint32_t seq,
			     unsigned int i, unsigned int nb)
{
	uint8_t *ip6 = rte_pktmbuf_mtod_offset(seg, uint8_t *, pkt->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip6 + pkt->l3_len);
	uint16_t plen = (uint16_t)(seg->pkt_len - pkt->l2_len - IP6_HLEN);
	rte_be32_t be_seq = rte_cpu_to_be_32(seq);

	ip6[4] = (uint8_t)(plen >> 8);
	ip6[5] = (uint8_t)plen;
	memcpy(&th->sent_seq, &be_seq, sizeof(be_seq));
	if (i + 1 < nb)
		th->tcp_flags &= (uint8_t)~TCP_FLAGS_LAST;
	if (i > 0)
		th->tcp_flags &= (uint8_t)~TCP_FLAGS_FIRST;
	pkt_tcp_phdr_write(ip6, pkt->l3_len, false, false);
	seg->ol_flags = (pkt->ol_flags & ~(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK)) |
			RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
	seg->l2_len = pkt->l2_len;
	seg->l3_len = pkt->l3_len;
	seg->l4_len = pkt->l4_len;
	seg->tso_segsz = 0;
	seg->packet_type = pkt->packet_type;
	seg->vlan_tci = pkt->vlan_tci;
	seg->vlan_tci_outer = pkt->vlan_tci_outer;
	seg->hash = pkt->hash;
	seg->port = pkt->port;
}

/* One segment: the headers copied, then @p len payload bytes attached. */
static struct rte_mbuf *tcp6_one(const struct rte_mbuf *pkt, const struct rte_gso_ctx *ctx,
				 struct rte_mbuf **src, uint32_t *off, uint32_t len, int *err)
{
	uint32_t hdr_len = (uint32_t)pkt->l2_len + pkt->l3_len + pkt->l4_len;
	struct rte_mbuf *seg = rte_pktmbuf_alloc(ctx->direct_pool), *tail;

	*err = -ENOMEM;
	if (seg == NULL)
		return NULL;
	if (rte_pktmbuf_tailroom(seg) < hdr_len) {
		*err = -EMSGSIZE;
		rte_pktmbuf_free(seg);
		return NULL;
	}
	memcpy(rte_pktmbuf_mtod(seg, uint8_t *), rte_pktmbuf_mtod(pkt, const uint8_t *),
	       hdr_len);
	seg->data_len = (uint16_t)hdr_len;
	seg->pkt_len = hdr_len;
	tail = seg;
	*err = attach_payload(seg, &tail, ctx->indirect_pool, src, off, len);
	if (*err != 0) {
		rte_pktmbuf_free(seg);
		return NULL;
	}
	return seg;
}

int pkt_gso_tcp6_segment(struct rte_mbuf *pkt, const struct rte_gso_ctx *ctx,
			 struct rte_mbuf **out, uint16_t nb_out)
{
	uint32_t hdr_len = (uint32_t)pkt->l2_len + pkt->l3_len + pkt->l4_len;
	uint32_t mss = ctx->gso_size > hdr_len ? ctx->gso_size - hdr_len : 0;
	struct rte_mbuf *src = pkt;
	uint32_t off = hdr_len, left, seq;
	int nb, err = 0;

	if (pkt->pkt_len <= ctx->gso_size)
		return 0; /* as rte_gso_segment: nothing to do */
	nb = tcp6_check(pkt, mss, nb_out);
	if (nb <= 0)
		return nb;
	seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(pkt, const struct rte_tcp_hdr *,
				pkt->l2_len + pkt->l3_len)->sent_seq);
	left = pkt->pkt_len - hdr_len;
	for (int i = 0; i < nb; i++) {
		uint32_t len = RTE_MIN(left, mss);

		out[i] = tcp6_one(pkt, ctx, &src, &off, len, &err);
		if (out[i] == NULL) {
			rte_pktmbuf_free_bulk(out, (unsigned int)i);
			memset(out, 0, (size_t)i * sizeof(*out));
			return err;
		}
		tcp6_fix_headers(pkt, out[i], seq, (unsigned int)i, (unsigned int)nb);
		seq += len;
		left -= len;
	}
	return nb;
}

int pkt_gso_segment(struct rte_mbuf *pkt, const struct rte_gso_ctx *ctx,
		    struct rte_mbuf **out, uint16_t nb_out)
{
	if ((pkt->ol_flags & RTE_MBUF_F_TX_IPV6) && !PKT_RTE_GSO_TCP6) {
		if (!(pkt->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
			return -ENOTSUP;
		return pkt_gso_tcp6_segment(pkt, ctx, out, nb_out);
	}
	return rte_gso_segment(pkt, ctx, out, nb_out);
}
