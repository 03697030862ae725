/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/netif's multicast filter (nif_mcast.c) on its own: netback's add/del/match semantics,
 * the bound, and which frames xenvif_start_xmit's check keeps from the guest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "test_nif_fe.h"

#include <rte_ether.h>
#include <rte_mbuf.h>

static const uint8_t grp[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};

/* Duplicates take two entries and each DEL removes one (xenvif_mcast_add/del). */
static void test_mcast_add_dup_del(void **state)
{
	struct nif_mcast f;

	(void)state;
	nif_mcast_init(&f);
	assert_false(nif_mcast_control(&f));
	assert_false(nif_mcast_match(&f, grp));
	assert_false(nif_mcast_del(&f, grp)); /* not on the list: no error, nothing changes */
	assert_int_equal(nif_mcast_add(&f, grp), 0);
	assert_int_equal(nif_mcast_add(&f, grp), 0);
	assert_int_equal(nif_mcast_count(&f), 2);
	assert_true(nif_mcast_del(&f, grp));
	assert_true(nif_mcast_match(&f, grp));
	assert_true(nif_mcast_del(&f, grp));
	assert_false(nif_mcast_match(&f, grp));
	assert_int_equal(nif_mcast_count(&f), 0);
	/* The all-zero address is an address like another (netback checks none). */
	assert_int_equal(nif_mcast_add(&f, (const uint8_t[6]){0}), 0);
	assert_true(nif_mcast_match(&f, (const uint8_t[6]){0}));
	assert_int_equal(nif_mcast_count(&f), 1);
}

/* The generation moves with every change of the list and only then; the list reads back
 * every entry, duplicates too (what the control thread saves for a restart). */
static void test_mcast_gen_list(void **state)
{
	static const uint8_t other[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	uint8_t addrs[NIF_MCAST_MAX][6];
	struct nif_mcast f;
	uint32_t g;

	(void)state;
	memset(&f, 0, sizeof(f));
	nif_mcast_init(&f);
	g = nif_mcast_gen(&f);
	assert_int_equal(nif_mcast_list(&f, addrs, NIF_MCAST_MAX), 0);
	assert_false(nif_mcast_del(&f, grp));
	nif_mcast_set_control(&f, true); /* the flag is the frontend's key, not the list */
	assert_int_equal(nif_mcast_gen(&f), g);
	assert_int_equal(nif_mcast_add(&f, grp), 0);
	assert_int_equal(nif_mcast_gen(&f), g + 1);
	assert_int_equal(nif_mcast_add(&f, other), 0);
	assert_int_equal(nif_mcast_add(&f, grp), 0);
	assert_int_equal(nif_mcast_gen(&f), g + 3);
	assert_int_equal(nif_mcast_list(&f, addrs, NIF_MCAST_MAX), 3);
	assert_memory_equal(addrs[0], grp, 6);
	assert_memory_equal(addrs[1], other, 6);
	assert_memory_equal(addrs[2], grp, 6);
	assert_int_equal(nif_mcast_list(&f, addrs, 2), 2); /* bounded by the caller's room */
	assert_true(nif_mcast_del(&f, other));
	assert_int_equal(nif_mcast_gen(&f), g + 4);
	assert_int_equal(nif_mcast_list(&f, addrs, NIF_MCAST_MAX), 2);
	assert_memory_equal(addrs[1], grp, 6);
	while (nif_mcast_add(&f, other) == 0)
		;
	g = nif_mcast_gen(&f);
	assert_int_equal(nif_mcast_add(&f, other), -ENOSPC); /* refused: no change */
	assert_int_equal(nif_mcast_gen(&f), g);
	assert_int_equal(nif_mcast_list(&f, addrs, NIF_MCAST_MAX), NIF_MCAST_MAX);
	nif_mcast_init(&f);
	assert_int_equal(nif_mcast_gen(&f), g + 1);
	assert_int_equal(nif_mcast_list(&f, addrs, NIF_MCAST_MAX), 0);
}

/* NIF_MCAST_MAX entries, then -ENOSPC; a DEL frees one whose place the next ADD takes. */
static void test_mcast_full(void **state)
{
	struct nif_mcast f;
	uint8_t a[6];

	(void)state;
	nif_mcast_init(&f);
	memcpy(a, grp, 6);
	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++) {
		a[5] = (uint8_t)i;
		assert_int_equal(nif_mcast_add(&f, a), 0);
	}
	assert_int_equal(nif_mcast_add(&f, grp), -ENOSPC);
	assert_int_equal(nif_mcast_count(&f), NIF_MCAST_MAX);
	a[5] = 17;
	assert_true(nif_mcast_del(&f, a));
	assert_false(nif_mcast_match(&f, a));
	a[5] = 0xee;
	assert_int_equal(nif_mcast_add(&f, a), 0);
	assert_int_equal(nif_mcast_add(&f, a), -ENOSPC);
	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++) {
		a[5] = (uint8_t)i;
		assert_int_equal(nif_mcast_match(&f, a), i != 17);
	}
	nif_mcast_init(&f);
	assert_int_equal(nif_mcast_count(&f), 0);
}

static struct rte_mbuf *frame_to(const uint8_t *dst, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(nif_test_mp);

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, len));
	memset(rte_pktmbuf_mtod(m, uint8_t *), 0, len);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), dst, RTE_MIN(len, 6));
	return m;
}

/* Only multicast, not broadcast, not on the list, and only with control on. */
static void test_mcast_filtered(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t ucast[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01};
	static const uint8_t v6grp[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	struct rte_mbuf *m[5] = {frame_to(grp, 60), frame_to(bcast, 60), frame_to(ucast, 60),
				 frame_to(v6grp, 60), frame_to(v6grp, 5)};
	struct nif_mcast f;

	(void)state;
	nif_mcast_init(&f);
	for (unsigned int i = 0; i < RTE_DIM(m); i++)
		assert_false(nif_mcast_filtered(&f, m[i])); /* control off: nothing */
	nif_mcast_set_control(&f, true);
	assert_true(nif_mcast_filtered(&f, m[0]));
	assert_false(nif_mcast_filtered(&f, m[1]));
	assert_false(nif_mcast_filtered(&f, m[2]));
	assert_true(nif_mcast_filtered(&f, m[3]));
	assert_false(nif_mcast_filtered(&f, m[4])); /* too short to tell: the caller's checks */
	assert_int_equal(nif_mcast_add(&f, grp), 0);
	assert_false(nif_mcast_filtered(&f, m[0]));
	assert_true(nif_mcast_filtered(&f, m[3]));
	nif_mcast_set_control(&f, false); /* the list stays; nothing is filtered */
	assert_false(nif_mcast_filtered(&f, m[3]));
	assert_true(nif_mcast_match(&f, grp));
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
}

int nif_test_mcast_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcast_add_dup_del),
		cmocka_unit_test(test_mcast_full),
		cmocka_unit_test(test_mcast_gen_list),
		cmocka_unit_test(test_mcast_filtered),
	};

	return cmocka_run_group_tests_name("nif_mcast", tests, NULL, NULL);
}
