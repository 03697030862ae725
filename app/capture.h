/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet capture of one port, both directions, into a pcapng file: what `tcpdump -i vif5.0`
 * gives with xen-netback, for a port that has no netdev. DPDK's own way (dpdk-dumpcap, a
 * secondary process through librte_pdump) needs memory shared with the service, which a PV
 * dom0 without hugepages (--no-huge) cannot give; this capture runs inside the service.
 *
 * Two halves, one per file:
 * - capture_tap.c, the datapath: the port's owner worker copies each burst the port
 *   received or is about to send (rte_pcapng_copy, into a small pool of its own) and
 *   enqueues the copies on the capture's ring. No system call, no lock, no log: a full ring
 *   or an empty pool is a counted drop. With no capture on a port the cost is one load and
 *   one predictable branch per burst (dnb_capture_hook).
 * - capture.c, the control side: start and stop (telemetry), and a writer thread that
 *   drains the rings into the files, stops a capture at its byte bound and logs it.
 *
 * Lifetime: a capture is published in dnb_port::capture and unpublished before it is
 * freed, with the workers' epoch grace period (dnb_workers_sync) between the two, as the
 * port table is.
 */
#ifndef DNB_CAPTURE_H
#define DNB_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "dnb.h"

/** Bytes of a frame kept in the file (its full length is recorded too): a wire frame
 *  whole, the first 4 KiB of a guest's TSO packet or an LRO aggregate. */
#define DNB_CAPTURE_SNAPLEN 4096
/** Default bound of a capture file, when the start command gives none. */
#define DNB_CAPTURE_MAX_BYTES_DEFAULT (64ull << 20)
/** Smallest bound accepted: the file's header blocks and a few frames. */
#define DNB_CAPTURE_MAX_BYTES_MIN 4096

/** One running capture. The counters are written by one thread each, read by telemetry. */
struct dnb_capture {
	struct rte_ring *ring;    /**< copies, owner worker -> writer (SP/SC) */
	struct rte_mempool *pool; /**< where the copies come from (shared by all captures) */
	uint16_t port_id;
	uint64_t copied;          /**< frames copied into the ring (owner worker) */
	uint64_t drops;           /**< frames not captured: ring full or pool empty (owner) */
	uint64_t written_pkts;    /**< frames in the file (writer) */
	uint64_t written_bytes;   /**< the file's size (writer) */
	uint64_t max_bytes;       /**< the file never grows beyond this */
	void *pcapng;             /**< rte_pcapng_t, owns the file's descriptor */
	char file[256];           /**< the file's full path, for the listing and the log */
};

/**
 * Copy a burst into @p c's ring (capture_tap.c). The mbufs of @p pkts are only read: they
 * stay the caller's. Owner worker of the port only; hot path.
 * @param queue the port queue the burst came from or goes to
 * @param tx true for frames sent to the port, false for frames it received
 */
void dnb_capture_burst(struct dnb_capture *c, uint16_t queue, struct rte_mbuf *const *pkts,
		       uint16_t n, bool tx);

/** Where a port's RX burst and TX burst happen (fwd.c, egress.c): copy them when a capture
 *  of @p p runs. Owner worker only. */
static inline void dnb_capture_hook(struct dnb_port *p, uint16_t queue,
				    struct rte_mbuf *const *pkts, uint16_t n, bool tx)
{
	struct dnb_capture *c = atomic_load_explicit(&p->capture, memory_order_acquire);

	if (unlikely(c != NULL) && n > 0)
		dnb_capture_burst(c, queue, pkts, n, tx);
}

/**
 * Start capturing @p p into @p file under --capture-dir, at most @p max_bytes (0: the
 * default). @p file is a plain name ([A-Za-z0-9._+-], not starting with '.'), or a path
 * whose folder is --capture-dir; an existing file is never overwritten. Caller holds
 * ctl_lock (telemetry). @return 0, or -errno with the reason written to @p why.
 */
int dnb_capture_start(struct dnb_app *app, struct dnb_port *p, const char *file,
		      uint64_t max_bytes, char *why, size_t why_len);

/** Stop @p p's capture, writing what its ring holds. Caller holds ctl_lock.
 *  @return 0, or -ENOENT when none runs. */
int dnb_capture_stop(struct dnb_app *app, struct dnb_port *p);

/** A dict of the running captures, one per port ("port3": file, counters). Caller holds
 *  ctl_lock. @return 0 or -ENOMEM. */
int dnb_capture_list(struct rte_tel_data *d);

/** Stop every capture and the writer thread, free the pool. After the workers stopped. */
void dnb_capture_fini(struct dnb_app *app);

#endif /* DNB_CAPTURE_H */
