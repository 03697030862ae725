/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --mcast-join: the multicast list of a frontend with multicast control (netif.h
 * "feature-multicast-control"), as a Windows PV driver sends it: once connected, one
 * MCAST_ADD request per group, a dummy TX request whose only meaning is its extra slot.
 * They go on the last queue, so the backend's list is shown to be the vif's, not queue 0's.
 * The backend answers each (ERROR when its list is full); gr_tx_gc consumes the answers and
 * counts an ERROR as rsp_error like any other.
 */
#include <string.h>
#include <sys/uio.h>

#include "xensim_dom.h"
#include "guest.h"

void guest_mcast_join(struct guest *g)
{
	struct guest_queue *q;
	unsigned int n = 0;
	bool notify = false;

	if (g->opt.nb_mcast_join == 0 || g->nr_queues == 0)
		return;
	q = &g->q[g->nr_queues - 1];
	if (!q->set_up)
		return;
	(void)gr_tx_gc(&q->tx);
	for (unsigned int i = 0; i < g->opt.nb_mcast_join; i++) {
		netif_extra_info_t extra = {.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD};
		struct iovec iov;

		/* a slot of its own (netback ignores its data); a full ring ends the list */
		if (gr_tx_peek(&q->tx, &iov, 1) != 1)
			break;
		memcpy(extra.u.mcast.addr, g->opt.mcast_join[i], 6);
		if (gr_tx_post_raw(&q->tx, 0, 0, &extra) <= 0)
			break;
		n++;
	}
	g->mcast_added += n;
	GLOG(g, "multicast: %u group(s) added on queue %u", n, q->idx);
	if (n == 0)
		return;
	gr_tx_push(&q->tx, &notify);
	if (notify && q->tx_port >= 0)
		xensim_evtchn_notify(g->dom, (uint32_t)q->tx_port);
}
