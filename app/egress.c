/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames leaving by a port: a TSO packet (a guest's, or an LRO aggregate) is segmented by the
 * port or here with librte_gso, and a partial checksum (netif csum_blank, LRO's pseudo-header
 * sum) is completed by the port or here — for a wire port without offloads, and for a vif
 * whose frontend lacks GSO or checksum offload (or takes none on a tagged frame); the
 * 802.1Q tag the switch asks for (TX_VLAN) is inserted here when the port cannot. The last stage before the port's tx_burst, the mirror of ingress.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf_ptype.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "capture.h"
#include "dnb.h"
#include "pkt.h"
#include "rte_pmd_xenvif.h"

/* The most segments one 64 KiB TSO packet can become (MSS of at least 536 bytes). */
#define DNB_GSO_MAX_SEGS 128

/* Complete the L4 (and IPv4 header) checksum of @p m in software. The L4 field holds what
 * the guest or the GSO library left there; it is recomputed from scratch. */
static bool csum_complete(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint16_t l4_off = m->l2_len + m->l3_len;
	uint16_t field_off, sum = 0;
	void *l3;

	/* nif and lro keep the headers in the first segment; anything else is not sent with
	 * a checksum left undone */
	if (m->data_len < l4_off + sizeof(struct rte_udp_hdr))
		return false;
	l3 = rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM || (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		field_off = l4_off + offsetof(struct rte_tcp_hdr, cksum);
	else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM)
		field_off = l4_off + offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		return true;
	/* the field may be unaligned: write it byte-wise */
	memcpy(rte_pktmbuf_mtod_offset(m, char *, field_off), &sum, sizeof(sum));
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip = l3;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		sum = rte_ipv4_udptcp_cksum_mbuf(m, ip, l4_off);
	} else if (pkt_ipv6_l4_cksum_mbuf(m, l4 == RTE_MBUF_F_TX_UDP_CKSUM ? IPPROTO_UDP :
					  IPPROTO_TCP, &sum) != 0) {
		return false; /* its payload length goes past the frame */
	}
	memcpy(rte_pktmbuf_mtod_offset(m, char *, field_off), &sum, sizeof(sum));
	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG);
	return true;
}

static inline bool is_v4(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_IPV4) != 0;
}

/*
 * A tagged frame (tag in its data, or TX_VLAN) goes to a vif with its checksum complete and
 * segmented: Linux's netfront (checksum_setup, skb_checksum_setup) drops a frame with a
 * partial checksum or GSO unless its protocol is IPv4 or IPv6, and a tag's is 0x8100;
 * xen-netback never sends one (the kernel completes tagged skbs for it, as its netdev has
 * no vlan_features).
 */
static bool vif_tagged(const struct dnb_port *p, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (!p->is_vif)
		return false;
	return (m->ol_flags & RTE_MBUF_F_TX_VLAN) ||
	       (m->data_len >= RTE_ETHER_HDR_LEN &&
		pkt_etype_is_tag(rte_be_to_cpu_16(eh->ether_type)));
}

/* Does the port segment (TSO) this frame itself? */
static bool port_tso(const struct dnb_port *p, const struct rte_mbuf *m)
{
	return (is_v4(m) ? p->tso_v4 : p->tso_v6) && !vif_tagged(p, m);
}

static bool needs_gso(const struct dnb_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !port_tso(p, m) &&
	       m->pkt_len > (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz;
}

/* A TSO packet that is one segment already, for a port without TSO: nothing to segment,
 * but the port never enabled TSO or IPv4 header checksum offload, so neither flag may reach
 * it. The header checksum is done here; the L4 one stays for the port or csum_complete(). */
static bool tso_single(const struct dnb_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !port_tso(p, m) && !needs_gso(p, m);
}

static void tso_to_csum(struct rte_mbuf *m)
{
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  m->l2_len);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM)) |
		      RTE_MBUF_F_TX_TCP_CKSUM;
}

static bool needs_csum(const struct dnb_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) &&
	       (!(is_v4(m) ? p->csum_v4 : p->csum_v6) || vif_tagged(p, m));
}

/* csum_complete() on @p n frames in order; those it cannot do are dropped, counted. */
static uint16_t csum_all(struct dnb_port *p, struct rte_mbuf **f, uint16_t n)
{
	uint16_t kept = 0;

	for (uint16_t k = 0; k < n; k++) {
		if (csum_complete(f[k])) {
			p->stats.sw_csum++;
			f[kept++] = f[k];
			continue;
		}
		rte_pktmbuf_free(f[k]);
		p->stats.csum_fail++;
		p->stats.tx_drops++;
	}
	return kept;
}

/* Software offloads write the frame (GSO also its flags): a frame the switch shares with
 * other ports (a flood holds references) is copied first, the others keep the original. */
static struct rte_mbuf *private_frame(struct dnb_app *app, struct dnb_port *p,
				      struct rte_mbuf *m)
{
	struct rte_mbuf *copy;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
		if (rte_mbuf_refcnt_read(s) > 1 || RTE_MBUF_CLONED(s))
			goto shared;
	return m;
shared:
	copy = rte_pktmbuf_copy(m, app->pool, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (copy == NULL)
		p->stats.tx_drops++;
	return copy;
}

/*
 * librte_gso leaves each segment's checksums as they were in the big packet: give the IPv4
 * header its checksum, and the TCP field the pseudo-header sum of this segment (length
 * included), as a checksum offload — a NIC's or a guest's csum_blank — expects. A port that
 * completes checksums in software overwrites the field anyway.
 */
static void segment_headers(struct rte_mbuf *seg, uint64_t ip_flags)
{
	void *l3 = rte_pktmbuf_mtod_offset(seg, void *, seg->l2_len);
	bool ipv4 = (ip_flags & RTE_MBUF_F_TX_IPV4) != 0;

	seg->ol_flags = (seg->ol_flags & ~(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM)) |
			ip_flags | RTE_MBUF_F_TX_TCP_CKSUM;
	if (ipv4) {
		struct rte_ipv4_hdr *ip = l3;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	pkt_tcp_phdr_write(l3, seg->l3_len, ipv4, false);
}

/* The drop of a TSO packet software GSO does not segment: a counter, and a line naming the
 * port and the packet type at most every DNB_GSO_LOG_S seconds per port (a guest sending
 * them cannot fill the log). */
static void gso_refused(struct dnb_port *p, const struct rte_mbuf *m, int err)
{
	uint64_t now = rte_get_tsc_cycles();
	char type[64], who[32];

	if (err == -ENOTSUP)
		p->stats.tx_drop_gso_unsupported++;
	else
		p->stats.tx_drop_gso++;
	p->stats.tx_drops++;
	if (now < p->gso_log_next)
		return;
	p->gso_log_next = now + rte_get_tsc_hz() * DNB_GSO_LOG_S;
	if (rte_get_ptype_name(m->packet_type, type, sizeof(type)) < 0)
		snprintf(type, sizeof(type), "ptype %#x", m->packet_type);
	if (p->is_vif || p->is_emu)
		snprintf(who, sizeof(who), "vif%u.%u%s", p->vif.domid, p->vif.devid,
			 p->is_emu ? "-emu" : "");
	else
		snprintf(who, sizeof(who), "port %u", p->port_id);
	DNB_LOG(WARNING, "%s: TSO packet dropped, software GSO refused it (%s): %s%s, "
		"l3_len %u, %" PRIu64 " such drops so far", who, strerror(-err), type,
		(m->ol_flags & RTE_MBUF_F_TX_IPV6) ? " IPv6" : " IPv4", m->l3_len,
		p->stats.tx_drop_gso_unsupported + p->stats.tx_drop_gso);
}

/* Segment @p m into @p segs (pkt_gso_segment: librte_gso for IPv4, lib/pkt for IPv6);
 * @p m is consumed either way. @return segments, 0 on failure. */
static uint16_t gso_one(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf *m,
			struct rte_mbuf **segs, uint16_t room)
{
	uint64_t ip_flags = m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
	struct rte_gso_ctx gso = app->gso; /* a copy: workers segment at the same time */
	int n;

	gso.gso_size = m->tso_segsz + m->l2_len + m->l3_len + m->l4_len;
	n = pkt_gso_segment(m, &gso, segs, room);
	if (n <= 0) {
		gso_refused(p, m, n < 0 ? n : -ENOTSUP); /* 0: 22.11 librte_gso's "unsupported" */
		rte_pktmbuf_free(m);
		return 0;
	}
	rte_pktmbuf_free(m); /* the segments hold their own references to its data */
	p->stats.gso_segs += (uint64_t)n;
	for (int i = 0; i < n; i++)
		segment_headers(segs[i], ip_flags);
	return (uint16_t)n;
}

/*
 * The 802.1Q tag the switch asks for (TX_VLAN: a trunk's VLAN, or the tag a wire PMD
 * stripped from a frame passed through), when the port cannot insert it: every vif
 * (net_xenvif has no insert offload), a wire port without it. The switch gives a wire
 * port a private frame; a vif's may be shared with other vifs asking the same tag, so it
 * is made private first. @return 0, or -1 (dropped).
 */
static bool needs_vlan_insert(const struct dnb_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_VLAN) && (p->is_vif || !p->vlan_insert);
}

static int vlan_insert(struct dnb_port *p, struct rte_mbuf **m)
{
	/* rte_vlan_insert() also adds the tag to l2_len (outer_l2_len for a tunnel). */
	if (rte_vlan_insert(m) != 0) {
		rte_pktmbuf_free(*m);
		p->stats.tx_drops++;
		return -1;
	}
	return 0;
}

/*
 * What may go on the wire: a frame (a TSO packet's segments) no longer than the port's MTU,
 * as the Linux bridge's is_skb_forwardable drops a bigger one. A guest decides both the
 * size and the MSS of what it sends, and a NIC given a frame over its MTU or a segment size
 * it cannot make may hang its queue (or trip i40e's malicious-driver detection), which
 * would take the wire away from every guest.
 */
static bool wire_fits(const struct dnb_port *p, const struct rte_mbuf *m)
{
	/* pkt_len counts a tag only when it is in the data already (a guest's own, which the
	 * bridge also lets through at MTU + 4); one the port inserts is not in it yet. */
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	bool tagged = m->data_len >= RTE_ETHER_HDR_LEN &&
		      pkt_etype_is_tag(rte_be_to_cpu_16(eth->ether_type));
	uint32_t l2 = RTE_ETHER_HDR_LEN + (tagged ? RTE_VLAN_HLEN : 0);

	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
		return (uint32_t)m->l3_len + m->l4_len + m->tso_segsz <= p->mtu &&
		       m->l2_len >= RTE_ETHER_HDR_LEN;
	return m->pkt_len <= p->mtu + l2;
}

/* rte_eth_tx_prepare: the NIC's own rules (segment counts, MSS range, checksum set-up).
 * What it refuses is dropped and counted; the rest keep their order. */
static uint16_t wire_prepare(struct dnb_port *p, struct rte_mbuf **out, uint16_t n)
{
	uint16_t ok = 0;

	while (ok < n) {
		uint16_t k = ok + rte_eth_tx_prepare(p->port_id, 0, out + ok, n - ok);

		if (k == n)
			return n;
		rte_pktmbuf_free(out[k]);
		p->stats.tx_drop_prepare++;
		p->stats.tx_drops++;
		memmove(out + k, out + k + 1, (size_t)(n - k - 1) * sizeof(*out));
		n--;
		ok = k;
	}
	return n;
}

/* The port's one TX burst: the capture copies what is sent to it first, since the port
 * owns the frames afterwards (a vif frees them once grant-copied). */
static void tx_queue(struct dnb_port *p, uint16_t q, struct rte_mbuf **out, uint16_t n)
{
	uint16_t sent;

	dnb_capture_hook(p, q, out, n, true);
	sent = rte_eth_tx_burst(p->port_id, q, out, n);

	p->stats.tx_pkts += sent;
	if (sent < n) {
		p->stats.tx_drops += n - sent;
		rte_pktmbuf_free_bulk(out + sent, n - sent);
	}
}

/*
 * A multi-queue guest's frames spread over its queues as the PMD chooses
 * (rte_pmd_xenvif_tx_queues: the guest's own hash mapping when it set one over its control
 * ring, else by flow), so that each of its vCPUs takes a share of the receive work; a flow
 * stays on one queue, in order. A wire port's spread by flow. The burst is sorted by queue
 * in place (stable), then sent queue by queue.
 */
static void tx_spread(struct dnb_port *p, uint16_t nq, struct rte_mbuf **out, uint16_t n)
{
	struct rte_mbuf *by_q[DNB_GSO_MAX_SEGS + DNB_BURST * LRO_OUT_PER_PKT];
	uint16_t count[DNB_MAX_TXQ] = {0}, start[DNB_MAX_TXQ], qof[RTE_DIM(by_q)];

	if (!p->is_vif || rte_pmd_xenvif_tx_queues(p->port_id, out, n, nq, qof) != 0)
		for (uint16_t i = 0; i < n; i++)
			qof[i] = (uint16_t)(pkt_flow_hash(out[i]) % nq);
	for (uint16_t i = 0; i < n; i++)
		count[qof[i]]++;
	start[0] = 0;
	for (uint16_t q = 1; q < nq; q++)
		start[q] = start[q - 1] + count[q - 1];
	for (uint16_t i = 0; i < n; i++)
		by_q[start[qof[i]]++] = out[i];
	for (uint16_t q = 0, done = 0; q < nq; done += count[q], q++)
		if (count[q] > 0)
			tx_queue(p, q, by_q + done, count[q]);
}

static void tx_flush(struct dnb_port *p, struct rte_mbuf **out, uint16_t n)
{
	uint16_t nq = __atomic_load_n(&p->tx_queues, __ATOMIC_RELAXED);

	if (!p->is_vif)
		n = wire_prepare(p, out, n);
	if (nq > 1)
		tx_spread(p, RTE_MIN(nq, (uint16_t)DNB_MAX_TXQ), out, n);
	else
		tx_queue(p, 0, out, n);
}

uint16_t dnb_port_tx(struct dnb_app *app, struct dnb_port *p, struct rte_mbuf **pkts,
		     uint16_t nb)
{
	struct rte_mbuf *out[DNB_GSO_MAX_SEGS + DNB_BURST * LRO_OUT_PER_PKT];
	uint16_t n = 0;

	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		bool gso = needs_gso(p, m), csum = needs_csum(p, m), single = tso_single(p, m);
		uint16_t first;

		if (RTE_DIM(out) - n < DNB_GSO_MAX_SEGS) {
			tx_flush(p, out, n);
			n = 0;
		}
		first = n;
		if (!p->is_vif && !wire_fits(p, m)) {
			rte_pktmbuf_free(m);
			p->stats.tx_drop_oversize++;
			p->stats.tx_drops++;
			continue;
		}
		if ((gso || csum || single) && (m = private_frame(app, p, m)) == NULL)
			continue;
		if (single)
			tso_to_csum(m);
		if (needs_vlan_insert(p, m) &&
		    ((m = private_frame(app, p, m)) == NULL || vlan_insert(p, &m) != 0))
			continue;
		if (gso)
			n += gso_one(app, p, m, out + n, DNB_GSO_MAX_SEGS);
		else
			out[n++] = m;
		if (csum)
			n = first + csum_all(p, out + first, n - first);
	}
	if (n > 0)
		tx_flush(p, out, n);
	return nb; /* every frame was taken: sent, segmented, or dropped and counted here */
}

/*
 * A vif's queues keep what the guest had no RX buffers for (net_xenvif's backlog, as
 * xen-netback's rx_queue) and send it at their next tx_burst: a burst of none flushes them
 * once the guest has posted buffers (its kick woke the worker, or a pass came round).
 */
void dnb_port_tx_kick(struct dnb_port *p)
{
	struct rte_mbuf *none[1];
	uint16_t nq = __atomic_load_n(&p->tx_queues, __ATOMIC_RELAXED);

	if (!p->is_vif)
		return;
	for (uint16_t q = 0; q < RTE_MIN(nq, (uint16_t)DNB_MAX_TXQ); q++)
		rte_eth_tx_burst(p->port_id, q, none, 0);
}
