/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A fake wire NIC for tests and benchmarks that run app/egress.c: an ethdev on no bus, one
 * TX queue, brought up as app/ports.c brings up a wire port, whose tx_pkt_prepare and
 * tx_pkt_burst are the caller's (the fuzz target's i40e rules and checks, the bench's sink).
 */
#ifndef DNB_TEST_NIC_H
#define DNB_TEST_NIC_H

#include <stdint.h>

#include <ethdev_driver.h>

/**
 * Create and start the NIC @p name, advertising @p tx_offload_capa and frames up to
 * @p max_pktlen. @p prep may be NULL (no tx_prepare: every frame passes).
 * @return its port id, or -1.
 */
int dnb_test_nic_create(const char *name, uint64_t tx_offload_capa, uint32_t max_pktlen,
			eth_tx_prep_t prep, eth_tx_burst_t burst);

#endif /* DNB_TEST_NIC_H */
