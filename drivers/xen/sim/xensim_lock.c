/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sim hypervisor's locks (see xensim_rec.h; the fast path is inline in
 * xensim_hv_internal.h): a word in the domain's hypervisor area holding the holder's
 * token, where Xen has the active entry's and the event channel's spinlocks, but shared by
 * processes that may die holding it. The holder names the lock in its record before it
 * takes it, and writes the undo of its change under it; a waiter that finds the holder
 * gone reaps it, which puts the state back and frees the lock.
 *
 * The lock word itself is an acquire/release lock between live holders. What the holder
 * writes in its record is for a reaper that reads it after the holder's death, so it needs
 * only program order (xensim_rec_order): the copy path pays no CPU fence for it.
 */
#include <errno.h>
#include <sched.h>

#include "xensim_hv_internal.h"

/* Tries before a waiter starts to yield, and yields between two looks at the holder. */
#define SPINS 256u
#define YIELDS_PER_LOOK 16u

void xensim_lock_wait(struct xensim_rec *rec, uint32_t *word)
{
	uint32_t owner, orphan = 0;
	unsigned int n;

	for (n = 1;; n++) {
		owner = 0;
		if (__atomic_compare_exchange_n(word, &owner, rec->token, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		/* Left by this holder's earlier life: only a reaper acting for a dead holder
		 * can meet it, and only with a record that did not name it (corrupt). */
		if (owner == rec->token)
			return;
		if (n < SPINS)
			continue;
		sched_yield();
		if (n % YIELDS_PER_LOOK != 0)
			continue;
		/* Waited long: the holder may be dead. Reaping it frees the lock. */
		if (rec->reap(rec->dir, owner) != -ENOENT) {
			orphan = 0;
			continue;
		}
		/* No record names the holder, so nobody will ever free the lock (a record is
		 * deleted only after its locks are freed). Seen twice for the same holder: the
		 * lock is taken over, and what it guards is left as it is. */
		if (orphan == owner &&
		    __atomic_compare_exchange_n(word, &owner, rec->token, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		orphan = owner;
	}
}
