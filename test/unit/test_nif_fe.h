/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frontend side for lib/netif tests: shared ring pages, a grant table (gref -> 4 KiB
 * page of "guest memory") and a grant copy that enforces the hypervisor's per-segment
 * rules. Independent of drivers/xen.
 */
#ifndef DNB_TEST_NIF_FE_H
#define DNB_TEST_NIF_FE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h> /* before xen/io/ring.h: barriers */
#include <xen/io/netif.h>

#include <rte_mbuf.h>

#include "nif.h"

#define FE_DOMID 7
#define FE_NB_PAGES 512u
#define FE_NO_FAIL UINT32_MAX

struct fe {
	uint8_t *mem;                     /* FE_NB_PAGES pages; gref g is page g */
	netif_rx_sring_t *rx_sring;
	netif_tx_sring_t *tx_sring;
	netif_rx_front_ring_t rx;
	netif_tx_front_ring_t tx;
	uint32_t fail_seg;                /* segment index to fail, or FE_NO_FAIL */
	int16_t fail_status;
	uint32_t copies;                  /* grant-copy calls */
};

void fe_init(struct fe *fe);
void fe_fini(struct fe *fe);
uint8_t *fe_page(struct fe *fe, grant_ref_t gref);

/** Grant copy with Xen's per-segment checks (domid, gref, page bounds, flags). */
int fe_gcopy(struct fe *fe, uint32_t count, nif_gcopy_seg *segs);

/**
 * Every GNTST_* failure a grant-copy segment can report (xen/grant_table.h): what
 * fail_status cycles through to show that any of them fails its packet, in either
 * direction (both check their batch through the queue head's one copy check).
 */
extern const int16_t fe_gcopy_fail_statuses[];
#define FE_NB_GCOPY_FAIL_STATUSES 13u

/** Post @n RX requests: ids id0.., grefs gref0.. (one page each). */
void fe_rx_post(struct fe *fe, uint16_t n, uint16_t id0, grant_ref_t gref0);

/** Allocate a packet of @len bytes from @mp split into segments of sizes @seg_lens. */
struct rte_mbuf *fe_chain(struct rte_mempool *mp, const uint16_t *seg_lens, uint16_t nb,
			  const uint16_t *headroom, uint32_t seed);

/** Copy a chain's bytes out linearly. */
void fe_linearize(const struct rte_mbuf *m, uint8_t *out);

/* Pools shared by the suites (created once in test_nif.c). */
extern struct rte_mempool *nif_test_mp;     /* 2 KiB data room */
extern struct rte_mempool *nif_test_big_mp; /* 16 KiB data room: segments over a page */

/* cmocka group setup/teardown: a fresh frontend per test, pools back to empty after. */
int nif_test_setup(void **state);
int nif_test_teardown(void **state);

int nif_test_rx_group(void);
int nif_test_tx_group(void);
int nif_test_ctrl_group(void);
int nif_test_mcast_group(void);

#endif
