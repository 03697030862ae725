/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A vif's multicast filter (feature-multicast-control): xen-netback's xenvif_mcast_add,
 * xenvif_mcast_del, xenvif_mcast_match and xenvif_mcast_addr_list_free (netback.c) with the
 * check of xenvif_start_xmit (interface.c). netback keeps an RCU list under its own lock;
 * here each entry is one word changed by compare-and-swap (the reasoning is on struct
 * nif_mcast in nif.h), so neither the TX queues that write it nor the RX queues that read it
 * ever wait.
 */
#include <errno.h>

#include <rte_ether.h>

#include "nif_internal.h"

/* Marks a used word: an all-zero address (which netback accepts too) is then not "free". */
#define NIF_MCAST_USED (UINT64_C(1) << 48)

static uint64_t mcast_word(const uint8_t *addr)
{
	uint64_t w = NIF_MCAST_USED;

	for (unsigned int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		w |= (uint64_t)addr[i] << (8 * i);
	return w;
}

void nif_mcast_init(struct nif_mcast *f)
{
	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++)
		__atomic_store_n(&f->slot[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&f->control, 0, __ATOMIC_RELAXED);
	__atomic_fetch_add(&f->gen, 1, __ATOMIC_RELEASE);
}

/* Replace the first word equal to @p from by @p to; false when none could be. One pass:
 * a word another writer changed under us is passed over, as it no longer holds @p from. */
static bool mcast_swap(struct nif_mcast *f, uint64_t from, uint64_t to)
{
	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++) {
		uint64_t w = from;

		if (__atomic_load_n(&f->slot[i], __ATOMIC_RELAXED) != from)
			continue;
		if (__atomic_compare_exchange_n(&f->slot[i], &w, to, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* After a change of slot[]: release, so a reader that sees the new generation (acquire)
 * sees the change in the slots it reads after it. */
static void mcast_changed(struct nif_mcast *f)
{
	__atomic_fetch_add(&f->gen, 1, __ATOMIC_RELEASE);
}

int nif_mcast_add(struct nif_mcast *f, const uint8_t *addr)
{
	if (!mcast_swap(f, 0, mcast_word(addr)))
		return -ENOSPC;
	mcast_changed(f);
	return 0;
}

bool nif_mcast_del(struct nif_mcast *f, const uint8_t *addr)
{
	if (!mcast_swap(f, mcast_word(addr), 0))
		return false;
	mcast_changed(f);
	return true;
}

uint32_t nif_mcast_gen(const struct nif_mcast *f)
{
	return __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
}

unsigned int nif_mcast_list(const struct nif_mcast *f, uint8_t (*addrs)[6], unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NIF_MCAST_MAX && n < max; i++) {
		uint64_t w = __atomic_load_n(&f->slot[i], __ATOMIC_RELAXED);

		if (w == 0)
			continue;
		for (unsigned int b = 0; b < RTE_ETHER_ADDR_LEN; b++)
			addrs[n][b] = (uint8_t)(w >> (8 * b));
		n++;
	}
	return n;
}

bool nif_mcast_match(const struct nif_mcast *f, const uint8_t *addr)
{
	uint64_t w = mcast_word(addr);

	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++)
		if (__atomic_load_n(&f->slot[i], __ATOMIC_RELAXED) == w)
			return true;
	return false;
}

unsigned int nif_mcast_count(const struct nif_mcast *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NIF_MCAST_MAX; i++)
		n += __atomic_load_n(&f->slot[i], __ATOMIC_RELAXED) != 0;
	return n;
}

void nif_mcast_set_control(struct nif_mcast *f, bool on)
{
	__atomic_store_n(&f->control, on ? 1u : 0u, __ATOMIC_RELAXED);
}

bool nif_mcast_control(const struct nif_mcast *f)
{
	return __atomic_load_n(&f->control, __ATOMIC_RELAXED) != 0;
}

bool nif_mcast_filtered(const struct nif_mcast *f, const struct rte_mbuf *m)
{
	const struct rte_ether_addr *dst;

	if (!nif_mcast_control(f) || rte_pktmbuf_data_len(m) < RTE_ETHER_ADDR_LEN)
		return false;
	dst = rte_pktmbuf_mtod(m, const struct rte_ether_addr *);
	/* netback filters PACKET_MULTICAST only: a broadcast is never on the list, and passes */
	if (!rte_is_multicast_ether_addr(dst) || rte_is_broadcast_ether_addr(dst))
		return false;
	return !nif_mcast_match(f, dst->addr_bytes);
}
