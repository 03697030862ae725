/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control ring of one net_xenvif port (feature-ctrl-ring): xen-netback's
 * xenvif_connect_ctrl / xenvif_disconnect_ctrl (interface.c) and xenvif_ctrl_irq_fn
 * (netback.c). The ring is mapped and its event channel bound through the vif's own
 * hypervisor handle (ctrl_hv: handles are not thread safe, and the queues' belong to their
 * lcores); lib/netif serves the requests (nif_ctrl_poll). The hashing state it keeps is read
 * by the data path (tx_burst, nif_ctrl_hash_read) and by rte_pmd_xenvif_tx_queues.
 *
 * Below xenvif_ctrl.c, which calls it from the control thread and logs what it reports:
 * nothing here logs, so the PMD's log type stays registered at the bottom.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "pkt.h"
#include "xenvif_internal.h"

#include <xen/io/netif.h> /* after xen_ops.h: xenctrl.h first */

/* Requests served per wake-up: the ring holds 32 (netback serves all; ours is bounded so
 * that one guest's control ring cannot keep its control thread from xenstore). */
#define XENVIF_CRING_BUDGET 64

/* Notifications taken off ctrl_hv's event-channel file per wake-up. */
#define XENVIF_CRING_EVENTS 16

static int cring_gcopy(void *arg, uint32_t count, nif_gcopy_seg *segs)
{
	return xen_hv_grant_copy(arg, count, segs);
}

int xenvif_cring_connect(struct xenvif *vif, const struct xb_frontend_conf *fe, bool resume,
			 char *why, size_t why_size)
{
	uint32_t ref = fe->ctrl_ring_ref;
	int rc;

	if (!fe->ctrl_ring)
		return 0;
	vif->cring_page = xen_hv_map(vif->ctrl_hv, vif->domid, 1, &ref, true);
	if (vif->cring_page == NULL) {
		rc = -errno;
		snprintf(why, why_size, "mapping ctrl-ring-ref %u: %s", ref, strerror(errno));
		return rc;
	}
	rc = xen_hv_evtchn_bind(vif->ctrl_hv, vif->domid, fe->evtchn_ctrl);
	if (rc < 0) {
		snprintf(why, why_size, "binding event-channel-ctrl %u: %s", fe->evtchn_ctrl,
			 strerror(-rc));
		return rc;
	}
	vif->cring_port = rc;
	vif->cring = nif_ctrl_create(&(struct nif_ctrl_conf){
		.sring = vif->cring_page, .ring_bytes = NIF_PAGE_SIZE, .domid = vif->domid,
		.nb_queues = (uint16_t)fe->nb_queues, .gcopy = cring_gcopy,
		.gcopy_arg = vif->ctrl_hv, .socket_id = SOCKET_ID_ANY});
	if (vif->cring == NULL) {
		snprintf(why, why_size, "attaching the control ring (ctrl-ring-ref %u): %s", ref,
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	/* A resume attached where the ring stands; a request the guest posted (and notified)
	 * while no backend ran is served now, and the kick says its answers may be there. */
	if (resume)
		xen_hv_evtchn_notify(vif->ctrl_hv, (evtchn_port_t)vif->cring_port);
	atomic_store(&vif->cring_on, 1);
	return 0;
}

void xenvif_cring_disconnect(struct xenvif *vif)
{
	/* rte_pmd_xenvif_tx_queues callers leave before the state they read is freed (the
	 * queues' burst functions were quiesced by the caller already) */
	atomic_store(&vif->cring_on, 0);
	while (atomic_load(&vif->cring_readers) != 0)
		rte_pause();
	if (vif->cring != NULL) {
		xenvif_counters_add(&vif->cring_base, nif_ctrl_stats(vif->cring),
				    sizeof(vif->cring_base));
		nif_ctrl_free(vif->cring);
		vif->cring = NULL;
	}
	if (vif->cring_port >= 0)
		xen_hv_evtchn_unbind(vif->ctrl_hv, (evtchn_port_t)vif->cring_port);
	vif->cring_port = -1;
	if (vif->cring_page != NULL)
		xen_hv_unmap(vif->ctrl_hv, vif->cring_page, 1);
	vif->cring_page = NULL;
}

int xenvif_cring_fd(const struct xenvif *vif)
{
	return vif->ctrl_hv != NULL ? xen_hv_evtchn_fd(vif->ctrl_hv) : -1;
}

int xenvif_cring_poll(struct xenvif *vif)
{
	bool notify = false;
	int rc;

	/* what the guest signalled, taken off the file and unmasked before the ring is read,
	 * so a request posted after the read raises a new event (xenvif_ctrl_irq_fn) */
	for (int i = 0; i < XENVIF_CRING_EVENTS; i++) {
		int port = xen_hv_evtchn_pending(vif->ctrl_hv);

		if (port < 0)
			break;
		xen_hv_evtchn_unmask(vif->ctrl_hv, (evtchn_port_t)port);
	}
	if (vif->cring == NULL)
		return 0;
	rc = nif_ctrl_poll(vif->cring, XENVIF_CRING_BUDGET, &notify);
	if (notify)
		xen_hv_evtchn_notify(vif->ctrl_hv, (evtchn_port_t)vif->cring_port);
	if (rc < 0)
		return rc;
	return rc == XENVIF_CRING_BUDGET ? 1 : 0;
}

void xenvif_cring_stats(const struct xenvif *vif, struct nif_ctrl_stats *out)
{
	*out = vif->cring_base;
	if (vif->cring != NULL)
		xenvif_counters_add(out, nif_ctrl_stats(vif->cring), sizeof(*out));
}

/* The guest's queue for @p m under @p h (hashing on), as xenvif_select_queue: a frame
 * hashing does not apply to gets hash 0, as netback's cleared skb hash. */
static uint16_t hashed_queue(const struct nif_hash *h, const struct rte_mbuf *m,
			     uint16_t nb_queues)
{
	uint32_t hash = 0;
	uint8_t type;

	if (!nif_hash_frame(h, m, &hash, &type))
		hash = 0;
	return nif_hash_queue(h, hash, nb_queues);
}

void xenvif_cring_select(struct xenvif *vif, struct rte_mbuf *const *pkts, uint16_t nb,
			 uint16_t nb_queues, uint16_t *qids)
{
	struct nif_hash h; /* written when hashing is set */
	uint32_t gen = 0;
	bool hashing = false;

	atomic_fetch_add(&vif->cring_readers, 1);
	if (atomic_load(&vif->cring_on) != 0)
		hashing = nif_ctrl_hash_read(vif->cring, &h, &gen) &&
			  h.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
	atomic_fetch_sub(&vif->cring_readers, 1);
	for (uint16_t i = 0; i < nb; i++)
		qids[i] = nb_queues <= 1 ? 0 :
			  hashing ? hashed_queue(&h, pkts[i], nb_queues) :
			  (uint16_t)(pkt_flow_hash(pkts[i]) % nb_queues);
}
