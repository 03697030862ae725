/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/netif: the test acts as the frontend (ring pages, grant table, grant
 * copies done by a local loop) and checks what the backend library makes of it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rte_mempool.h>

#include "dnb_test_eal.h"
#include "test_nif_fe.h"

struct rte_mempool *nif_test_mp;
struct rte_mempool *nif_test_big_mp;

int nif_test_setup(void **state)
{
	struct fe *fe = malloc(sizeof(*fe));

	if (fe == NULL)
		return -1;
	fe_init(fe);
	*state = fe;
	return 0;
}

int nif_test_teardown(void **state)
{
	struct fe *fe = *state;
	unsigned int in_use = rte_mempool_in_use_count(nif_test_mp) +
			      rte_mempool_in_use_count(nif_test_big_mp);

	fe_fini(fe);
	free(fe);
	if (in_use != 0) {
		fprintf(stderr, "mbufs still in use after the test: %u\n", in_use);
		return -1;
	}
	return 0;
}

int main(void)
{
	int failed = 0;

	if (dnb_test_eal_init(256) < 0)
		return 1;
	nif_test_mp = rte_pktmbuf_pool_create("nif_test", 4096, 0, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	nif_test_big_mp = rte_pktmbuf_pool_create("nif_test_big", 256, 0, 0,
						  16384 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	if (nif_test_mp == NULL || nif_test_big_mp == NULL) {
		fprintf(stderr, "mempool create failed\n");
		return 1;
	}
	failed += nif_test_rx_group();
	failed += nif_test_tx_group();
	failed += nif_test_ctrl_group();
	failed += nif_test_mcast_group();
	return failed != 0;
}
