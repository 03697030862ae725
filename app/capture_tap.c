/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datapath half of a port's capture (capture.h): the frames of a burst copied into the
 * capture's ring, as the kernel's packet taps (dev_queue_xmit_nit, the RX handlers) hand
 * xen-netback's vif netdev frames to tcpdump. Never blocks, never logs: what does not fit
 * is counted in the capture's drops.
 */
#include <rte_cycles.h>
#include <rte_pcapng.h>

#include "dnb_dpdk_compat.h"

#include "capture.h"

void dnb_capture_burst(struct dnb_capture *c, uint16_t queue, struct rte_mbuf *const *pkts,
		       uint16_t n, bool tx)
{
	enum rte_pcapng_direction dir = tx ? RTE_PCAPNG_DIRECTION_OUT : RTE_PCAPNG_DIRECTION_IN;
	struct rte_mbuf *copies[DNB_BURST];
	uint64_t now = rte_rdtsc();
	uint16_t done = 0;

	while (done < n) {
		uint16_t chunk = RTE_MIN((uint16_t)(n - done), (uint16_t)DNB_BURST), k = 0;
		unsigned int queued;

		for (uint16_t i = 0; i < chunk; i++) {
			copies[k] = dnb_pcapng_copy(c->port_id, queue, pkts[done + i], c->pool,
						    DNB_CAPTURE_SNAPLEN, now, dir);
			k += copies[k] != NULL;
		}
		queued = rte_ring_sp_enqueue_burst(c->ring, (void **)copies, k, NULL);
		if (queued < k)
			rte_pktmbuf_free_bulk(copies + queued, k - queued);
		c->copied += queued;
		c->drops += chunk - queued;
		done += chunk;
	}
}
