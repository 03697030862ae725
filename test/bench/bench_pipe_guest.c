/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulated guest of dpdk-netback-bench: a domain of the sim hypervisor (xensim_dom) and
 * the test bed's netfront ring logic (test/guest/guest_ring.h, which mirrors xen-netfront:
 * each consumed slot's grant is ended, each reposted buffer granted again).
 *
 * RX: every packet's slots are copied into one contiguous socket buffer, which is what a
 * guest's stack pays per byte received; that copy, the ring walk and the reposting are the
 * DomU cycles. The delivered payload is then checked against the generator, untimed.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_pipe.h"
#include "xensim_dom.h"

/* Page frames of a guest domain. */
#define PFN_RX_RING 0u
#define PFN_TX_RING 1u
#define PFN_RX_BUF 2u
#define PFN_TX_BUF (PFN_RX_BUF + GR_RX_RING_SIZE)
#define NR_PAGES (PFN_TX_BUF + GR_TX_RING_SIZE)
/* Grants: ring pages, every buffer, the reserved ones and room to spare. */
#define NR_GREFS 1024u
#define BACKEND_DOMID 0

static int grant(void *ctx, uint32_t pfn, bool readonly)
{
	return xensim_gnttab_grant(ctx, BACKEND_DOMID, pfn, readonly);
}

static int grant_end(void *ctx, uint32_t gref)
{
	return xensim_gnttab_end(ctx, gref);
}

static int rings_init(struct pipe_guest *g, bool tx_gso)
{
	const struct gr_grant_ops gops = { .grant = grant, .end = grant_end, .ctx = g->dom };
	const struct gr_tx_features feat = { .sg = tx_gso, .gso4 = tx_gso, .gso6 = tx_gso,
					     .csum6 = tx_gso };
	struct gr_buf rx_bufs[GR_RX_RING_SIZE], tx_bufs[GR_TX_RING_SIZE];
	int rc;

	for (uint32_t i = 0; i < GR_RX_RING_SIZE; i++)
		rx_bufs[i] = (struct gr_buf){ .page = xensim_dom_page(g->dom, PFN_RX_BUF + i),
					      .pfn = PFN_RX_BUF + i, .gref = GR_NO_GREF };
	for (uint32_t i = 0; i < GR_TX_RING_SIZE; i++)
		tx_bufs[i] = (struct gr_buf){ .page = xensim_dom_page(g->dom, PFN_TX_BUF + i),
					      .pfn = PFN_TX_BUF + i, .gref = GR_NO_GREF };
	rc = gr_rxq_init(g->rxq, xensim_dom_page(g->dom, PFN_RX_RING), rx_bufs, &gops,
			 GR_RX_RING_SIZE, true, true);
	if (rc == 0)
		rc = gr_txq_init(g->txq, xensim_dom_page(g->dom, PFN_TX_RING), tx_bufs, &gops,
				 &feat);
	if (rc != 0)
		return rc;
	g->rx_ring_ref = xensim_gnttab_grant(g->dom, BACKEND_DOMID, PFN_RX_RING, false);
	g->tx_ring_ref = xensim_gnttab_grant(g->dom, BACKEND_DOMID, PFN_TX_RING, false);
	if (g->rx_ring_ref < 0 || g->tx_ring_ref < 0)
		return -ENOSPC;
	return 0;
}

int pipe_guest_create(struct pipe_guest *g, const char *dir, uint16_t domid,
		      const struct bf_gen *gen, uint32_t flows, bool tx_gso)
{
	bool notify;
	int rc;

	memset(g, 0, sizeof(*g));
	g->domid = domid;
	g->gen = gen;
	g->rx_ring_ref = g->tx_ring_ref = -1;
	g->preempted_cycles = rte_get_tsc_hz() / 1000000 * PIPE_PREEMPTED_US;
	g->dom = xensim_dom_create(dir, domid, NR_PAGES, NR_GREFS);
	g->rxq = calloc(1, sizeof(*g->rxq));
	g->txq = calloc(1, sizeof(*g->txq));
	g->skb = aligned_alloc(64, PIPE_SKB_BYTES);
	g->tx_frame = malloc(PIPE_SKB_BYTES);
	g->flow_bytes = calloc(flows > 0 ? flows : 1, sizeof(*g->flow_bytes));
	if (g->dom == NULL || g->rxq == NULL || g->txq == NULL || g->skb == NULL ||
	    g->tx_frame == NULL || g->flow_bytes == NULL) {
		pipe_guest_destroy(g);
		return -ENOMEM;
	}
	rc = rings_init(g, tx_gso);
	if (rc == 0)
		rc = gr_rx_refill(g->rxq, &notify);
	if (rc < 0) {
		pipe_guest_destroy(g);
		return rc;
	}
	return 0;
}

void pipe_guest_destroy(struct pipe_guest *g)
{
	if (g->dom != NULL) {
		if (g->rxq != NULL)
			gr_rx_release_all(g->rxq);
		if (g->txq != NULL)
			gr_tx_release_all(g->txq);
		xensim_dom_destroy(g->dom);
	}
	free(g->rxq);
	free(g->txq);
	free(g->skb);
	free(g->tx_frame);
	free(g->flow_bytes);
	memset(g, 0, sizeof(*g));
}

/* Untimed: is the packet in the socket buffer one the generator sent, byte for byte? */
static void check_pkt(struct pipe_guest *g, uint32_t len)
{
	uint32_t flow, seq, off, plen;

	g->pkts++;
	g->frame_bytes += len;
	if (g->gen == NULL)
		return;
	if (!bf_frame_flow(g->gen, g->skb, len, &flow, &seq, &off, &plen)) {
		g->foreign++;
		return;
	}
	if (plen == 0)
		return;
	if (plen > BF_PATTERN_PERIOD + g->gen->o.mss ||
	    memcmp(g->skb + off, bf_expected_payload(g->gen, flow, seq), plen) != 0) {
		g->bad_payload++;
		return;
	}
	g->data_pkts++;
	g->payload_bytes += plen;
	g->flow_bytes[flow] += plen;
}

/* The socket-buffer copy: the frame's slots into one contiguous buffer. */
static uint32_t copy_to_skb(struct pipe_guest *g, const struct gr_rx_pkt *pkt)
{
	uint32_t at = 0;

	for (unsigned int i = 1; i < pkt->nr_iov; i++) {
		size_t n = pkt->iov[i].iov_len;

		if (at + n > PIPE_SKB_BYTES)
			break; /* cannot happen: the frame is at most 18 pages and 64 KiB */
		memcpy(g->skb + at, pkt->iov[i].iov_base, n);
		at += (uint32_t)n;
	}
	return at;
}

int pipe_guest_rx(struct pipe_guest *g)
{
	struct gr_rx_pkt pkt;
	uint64_t t0 = rte_rdtsc(), cycles = 0, bytes = g->frame_bytes;
	bool notify;
	int rc;

	for (;;) {
		uint32_t len;

		rc = gr_rx_next(g->rxq, &pkt);
		if (rc == 0)
			break;
		if (rc == -EBADMSG)
			continue; /* a dropped packet, counted in the queue's stats */
		if (rc < 0)
			return rc;
		len = copy_to_skb(g, &pkt);
		cycles += rte_rdtsc() - t0;
		check_pkt(g, len);
		t0 = rte_rdtsc();
	}
	rc = gr_rx_refill(g->rxq, &notify);
	cycles += rte_rdtsc() - t0;
	pipe_clock_add(&g->clock, cycles, g->frame_bytes - bytes, g->preempted_cycles);
	return rc < 0 ? rc : 0;
}

/* The virtio header the guest's TAP would give a TSO frame: checksum partial at the TCP
 * header, segments of tx_mss bytes. */
static struct virtio_net_hdr tso_vnet_hdr(const struct pipe_guest *g)
{
	uint16_t l4 = (uint16_t)(RTE_ETHER_HDR_LEN + (g->tx_v6 ? 40 : 20));

	return (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = g->tx_v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = htole16((uint16_t)(l4 + 32)),
		.gso_size = htole16(g->tx_mss),
		.csum_start = htole16(l4),
		.csum_offset = htole16(16),
	};
}

/* Copy the frame into the pages the next post uses, a running number in its last 4 bytes.
 * @return false when they cannot hold it. */
static bool tx_fill(struct pipe_guest *g, const struct iovec *iov, unsigned int n, uint32_t ctr)
{
	uint32_t at = 0;

	for (unsigned int i = 0; i < n && at < g->tx_len; i++) {
		uint32_t k = RTE_MIN((uint32_t)iov[i].iov_len, g->tx_len - at);

		memcpy(iov[i].iov_base, g->tx_frame + at, k);
		at += k;
	}
	if (at < g->tx_len)
		return false;
	/* the last 4 bytes may straddle two pages: write them through the same walk */
	for (unsigned int i = 0, off = 0; i < n; off += (uint32_t)iov[i].iov_len, i++)
		for (uint32_t b = 0; b < 4; b++) {
			uint32_t pos = g->tx_len - 4 + b;

			if (pos >= off && pos < off + iov[i].iov_len)
				((uint8_t *)iov[i].iov_base)[pos - off] = (uint8_t)(ctr >> (8 * b));
		}
	return true;
}

int pipe_guest_tx(struct pipe_guest *g, uint32_t max_total)
{
	static const struct virtio_net_hdr no_offload;
	struct virtio_net_hdr tso = tso_vnet_hdr(g);
	uint64_t t0 = rte_rdtsc(), posted = g->tx_posted;
	bool notify;
	int rc = gr_tx_gc(g->txq);

	while (rc >= 0 && g->tx_posted < max_total && gr_tx_can_take(g->txq)) {
		struct iovec iov[GR_TX_MAX_DATA_SLOTS];
		unsigned int n = gr_tx_peek(g->txq, iov, GR_TX_MAX_DATA_SLOTS);

		if (n == 0 || !tx_fill(g, iov, n, g->tx_posted))
			break;
		rc = gr_tx_post(g->txq, g->tx_mss != 0 ? &tso : &no_offload, g->tx_len);
		if (rc > 0)
			g->tx_posted++;
	}
	gr_tx_push(g->txq, &notify);
	pipe_clock_add(&g->clock, rte_rdtsc() - t0, (g->tx_posted - posted) * g->tx_len,
		       g->preempted_cycles);
	return rc < 0 ? rc : 0;
}
