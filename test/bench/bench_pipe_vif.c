/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend side of one vif in dpdk-netback-bench: the guest's ring pages mapped through
 * the sim hypervisor (xen_hv_map, as the xenvif PMD does at connect), lib/netif queues on
 * them, and each burst's grant copies issued as one batch with xen_hv_grant_copy(), as
 * drivers/net/xenvif/xenvif_burst.c does. Events are not sent: both sides poll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "bench_pipe.h"

#define VIF_BURST 64

int pipe_vif_create(struct pipe_vif *v, struct xen_hv *hv, const struct pipe_guest *g,
		    enum nif_layout layout, struct rte_mempool *tx_pool)
{
	uint32_t rx_ref = (uint32_t)g->rx_ring_ref, tx_ref = (uint32_t)g->tx_ring_ref;
	struct nif_rxq_conf rc = {
		.ring_bytes = NIF_PAGE_SIZE, .domid = g->domid, .layout = layout,
		.features = { .sg = true, .gso_tcpv4 = true, .gso_tcpv6 = true,
			      .csum_ipv4 = true, .csum_ipv6 = true, .mtu = 1500 },
		.max_burst = VIF_BURST, .socket_id = SOCKET_ID_ANY,
	};
	struct nif_txq_conf tc = {
		.ring_bytes = NIF_PAGE_SIZE, .domid = g->domid, .mp = tx_pool,
		.max_burst = VIF_BURST, .socket_id = SOCKET_ID_ANY,
	};

	memset(v, 0, sizeof(*v));
	v->backlog = calloc(PIPE_BACKLOG_CAP, sizeof(*v->backlog));
	v->rx_ring = xen_hv_map(hv, g->domid, 1, &rx_ref, true);
	v->tx_ring = xen_hv_map(hv, g->domid, 1, &tx_ref, true);
	if (v->backlog == NULL || v->rx_ring == NULL || v->tx_ring == NULL) {
		pipe_vif_destroy(v, hv);
		return -ENOMEM;
	}
	rc.sring = v->rx_ring;
	tc.sring = v->tx_ring;
	v->rxq = nif_rxq_create(&rc);
	v->txq = nif_txq_create(&tc);
	if (v->rxq == NULL || v->txq == NULL) {
		int err = rte_errno;

		pipe_vif_destroy(v, hv);
		return -err;
	}
	return 0;
}

void pipe_vif_destroy(struct pipe_vif *v, struct xen_hv *hv)
{
	nif_rxq_free(v->rxq);
	nif_txq_free(v->txq);
	if (v->rx_ring != NULL)
		xen_hv_unmap(hv, v->rx_ring, 1);
	if (v->tx_ring != NULL)
		xen_hv_unmap(hv, v->tx_ring, 1);
	if (v->backlog != NULL)
		rte_pktmbuf_free_bulk(v->backlog, v->nb_backlog);
	free(v->backlog);
	memset(v, 0, sizeof(*v));
}

static int issue(struct xen_hv *hv, uint32_t nb_segs, nif_gcopy_seg *segs)
{
	return nb_segs == 0 ? 0 : xen_hv_grant_copy(hv, nb_segs, segs);
}

uint32_t pipe_vif_deliver(struct pipe_vif *v, struct xen_hv *hv)
{
	uint32_t done = 0;

	while (done < v->nb_backlog) {
		uint16_t want = (uint16_t)RTE_MIN(v->nb_backlog - done, (uint32_t)VIF_BURST);
		uint16_t taken = nif_rx_prepare_burst(v->rxq, v->backlog + done, want);
		nif_gcopy_seg *segs;
		uint32_t nb_segs = nif_rx_gcopy_segs(v->rxq, &segs);
		bool notify;

		/* every prepare is finished, even an empty one (lib/netif's contract) */
		nif_rx_finish_burst(v->rxq, issue(hv, nb_segs, segs), &notify);
		done += taken;
		if (taken < want)
			break;
	}
	if (done > 0 && done < v->nb_backlog)
		memmove(v->backlog, v->backlog + done, (v->nb_backlog - done) * sizeof(*v->backlog));
	v->nb_backlog -= done;
	return done;
}

uint16_t pipe_vif_receive(struct pipe_vif *v, struct xen_hv *hv, struct rte_mbuf **pkts)
{
	uint16_t nb_out = 0;
	nif_gcopy_seg *segs;
	uint32_t nb_segs;
	bool notify;

	nif_tx_prepare_burst(v->txq, VIF_BURST);
	nb_segs = nif_tx_gcopy_segs(v->txq, &segs);
	nif_tx_finish_burst(v->txq, issue(hv, nb_segs, segs), pkts, &nb_out, &notify);
	return nb_out;
}
