/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_nif_tx: lib/netif's guest-TX consumer against a hostile frontend. The script and
 * the invariants checked on every burst are fuzz_guest_tx.h's; the delivered packets are
 * freed. A small pool, so that bursts also run out of mbufs.
 */
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz_common.h"
#include "fuzz_guest_tx.h"

#define TX_POOL_SIZE 191u

static void tx_free(struct rte_mbuf **pkts, uint16_t nb, struct fz_in *in, void *arg)
{
	(void)in;
	(void)arg;
	rte_pktmbuf_free_bulk(pkts, nb);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rte_mempool *mp;

	(void)argc;
	(void)argv;
	fz_eal_init();
	/* No per-lcore cache: the in-use count is exact at the end of every input. */
	mp = rte_pktmbuf_pool_create("fz_nif_tx", TX_POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	fz_check(mp != NULL, "TX pool");
	fz_gtx_init(mp);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;

	fz_in_init(&in, data, size);
	fz_gtx_run(&in, tx_free, NULL);
	return 0;
}
