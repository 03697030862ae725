/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * net_xenvif's own API, beside ethdev's: what the connected frontend accepts.
 *
 * An ethdev's tx_offload_capa is fixed per port, but what a vif can take depends on the
 * frontend of the moment (a guest may reboot with another driver). An application that
 * segments or checksums in software for a vif reads these after each link-up event
 * (RTE_ETH_EVENT_INTR_LSC): packets the frontend cannot take are dropped by the PMD and
 * counted (xstats q<N>_guest_rx_drop_no_gso, _no_csum, _oversize).
 */
#ifndef RTE_PMD_XENVIF_H
#define RTE_PMD_XENVIF_H

#include <stdbool.h>
#include <stdint.h>

/**
 * tx_burst and the guest's RX buffers: frames the guest has posted no buffers for yet are
 * taken into the queue's backlog (as xen-netback's rx_queue keeps them), at most this many
 * frames, bytes and mbufs a queue, and sent first, in order, by the next tx_burst on that
 * queue; a tx_burst of no packets only does that. Past the bounds tx_burst takes no more
 * (xstat q<N>_guest_rx_backlog_full). A guest that posts nothing for stall_ms (devarg) has
 * its backlog and what comes next dropped, counted (q<N>_guest_rx_stall_drops,
 * _guest_rx_backlog_drops), until it posts again. An application that sleeps when idle arms
 * the queue with rte_eth_dev_rx_intr_enable: the guest's next posted buffers (or a 1 ms timer)
 * wake it, and it calls tx_burst then.
 */
#define RTE_PMD_XENVIF_BACKLOG_PKTS 256
#define RTE_PMD_XENVIF_BACKLOG_BYTES (128u * 4096u)
#define RTE_PMD_XENVIF_BACKLOG_MBUFS 512

/** What the connected frontend negotiated for packets sent to it (its RX ring). */
struct rte_pmd_xenvif_offloads {
	bool connected; /**< false: nothing is connected, the other fields are false */
	/** multi-slot packets (feature-sg), GSO packets (feature-gso-tcpv4/6): none of them
	 *  while the frontend has an XDP program attached (xdp-headroom set: Linux's netfront
	 *  drops such packets then); a change raises another link-up event */
	bool sg;
	bool tso_v4;    /**< TCP/IPv4 GSO packets */
	bool tso_v6;    /**< TCP/IPv6 GSO packets */
	bool csum_v4;   /**< partial TCP/UDP checksums over IPv4 (no feature-no-csum-offload) */
	bool csum_v6;   /**< partial TCP/UDP checksums over IPv6 (feature-ipv6-csum-offload) */
	uint16_t nb_queues; /**< queue pairs the frontend connected (multi-queue-num-queues):
			     *   transmit on queues 0 .. nb_queues - 1 only */
	uint16_t mtu;   /**< the connection's MTU: larger frames (but TSO/LRO packets) sent to
			 *   the vif are dropped (xstat q<N>_guest_rx_drop_oversize) */
};

/**
 * Read what the frontend of vif port @p port_id accepts. Control path. Meant for the LSC
 * callback, which runs on the vif's control thread after it stored the new values; from
 * another thread the values may be those of a connection that is just changing.
 * @return 0; -ENODEV when @p port_id is not a net_xenvif port.
 */
int rte_pmd_xenvif_get_offloads(uint16_t port_id, struct rte_pmd_xenvif_offloads *off);

/**
 * What closing vif port @p port_id (rte_eth_dev_close, or removing its vdev) tells the
 * guest. By default (@p keep false) the vif is released as xen-netback's remove does: its
 * backend walks Closing and Closed, and the guest's netfront closes. With @p keep, the
 * rings are unmapped and the event channels unbound but xenstore is left as it is: a
 * Connected vif stays Connected, and the next process that probes the same vif resumes it
 * where the rings stand (a service restart the guest does not notice; requests it posted
 * meanwhile wait in its rings). Control path.
 * @return 0; -ENODEV when @p port_id is not a net_xenvif port.
 */
int rte_pmd_xenvif_keep_on_close(uint16_t port_id, bool keep);

struct rte_mbuf;

/**
 * The guest queue each of @p pkts is to be sent on (tx_burst's queue id), the one place
 * that chooses it, as xen-netback's xenvif_select_queue: when the guest set the Toeplitz
 * algorithm over its control ring (feature-ctrl-ring, netif.h "Hash types"), the queue its
 * mapping table gives for the frame's hash (hash % nb_queues without a table; hash 0 for a
 * frame no enabled hash type applies to); else by flow (pkt_flow_hash % nb_queues), so a
 * flow stays on one queue. Every id is below @p nb_queues (0 when it is 0 or 1). Any lcore;
 * reads the hashing state once per call, without locks (while the guest is changing it, the
 * call may use the flow hash).
 * @param nb_queues the queues transmitted on (at most rte_pmd_xenvif_offloads.nb_queues)
 * @param[out] qids @p nb_pkts entries. The mbufs are only read.
 * @return 0; -ENODEV when @p port_id is not a net_xenvif port (@p qids untouched).
 */
int rte_pmd_xenvif_tx_queues(uint16_t port_id, struct rte_mbuf *const *pkts, uint16_t nb_pkts,
			     uint16_t nb_queues, uint16_t *qids);

#endif /* RTE_PMD_XENVIF_H */
