/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A hostile frontend's TX ring driven through lib/netif's guest-TX consumer: the part of
 * every fuzz target that starts from what a guest sends (fuzz_nif_tx, fuzz_wire_egress).
 *
 * The input is a script: raw ring slots, structured requests and extra-info slots, req_prod
 * and rsp_event values (wrapping start index included), guest page bytes (header templates
 * or raw bytes), and bursts with a grant copy that may fail a segment or the whole batch.
 *
 * Invariants per burst: nothing after a fatal error (sticky, no responses); one response
 * per consumed slot with the request's id (NETIF_RSP_NULL for extra slots); tx_slots equal
 * to the responses pushed; packets consumed = delivered + error responses + multicast
 * controls + offload drops; copies only into the mbufs being built and only within granted
 * pages; delivered chains well formed and fully copied. At the end of a script: every mbuf
 * back in the pool.
 */
#ifndef DNB_FUZZ_GUEST_TX_H
#define DNB_FUZZ_GUEST_TX_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz_common.h"

/**
 * Where the packets of a burst go once they passed the checks: @p pkts[0..nb) are the
 * sink's from then on, and must all be freed (or in the pool again) before the script ends.
 * @p in is the script, positioned after the burst step, for a sink with options of its own
 * (reads past the end yield zeros, as in the drain bursts at the end of a script).
 */
typedef void (*fz_gtx_sink_fn)(struct rte_mbuf **pkts, uint16_t nb, struct fz_in *in,
			       void *arg);

/**
 * Use @p mp (no per-lcore cache, so its in-use count is exact) for the guest's packets, and
 * index its objects so that each copy's local side can be checked. Once per process, after
 * the EAL.
 */
void fz_gtx_init(struct rte_mempool *mp);

/**
 * Run the rest of @p in as one guest's script (queue set-up, up to a bound of steps, then
 * drain bursts), every delivered burst handed to @p sink. Aborts on a violated invariant,
 * including an mbuf of the pool still in use at the end.
 */
void fz_gtx_run(struct fz_in *in, fz_gtx_sink_fn sink, void *arg);

#endif /* DNB_FUZZ_GUEST_TX_H */
