/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sim hypervisor's locks (see xensim_rec.h): a word in the domain's hypervisor area
 * holding the holder's token, where Xen has the active entry's and the event channel's
 * spinlocks, but shared by processes that may die holding it. The holder names the lock in
 * its record before it takes it, and writes the undo of its change under it; a waiter that
 * finds the holder gone reaps it, which puts the state back and frees the lock.
 */
#include <errno.h>
#include <sched.h>

#include "xensim_hv_internal.h"

/* Tries before a waiter starts to yield, and yields between two looks at the holder. */
#define SPINS 256u
#define YIELDS_PER_LOOK 16u

uint32_t *xensim_lock_word(struct xensim_domain *d, enum xensim_lock_what what, uint32_t index)
{
	if (what == XENSIM_LOCK_PORT)
		return &d->shared->port_lock[index];
	return &d->active[index].lock;
}

void xensim_lock(struct xensim_rec *rec, struct xensim_domain *d, enum xensim_lock_what what,
		 uint32_t index)
{
	uint32_t *word = xensim_lock_word(d, what, index);
	struct xensim_rec_op *op = &rec->f->op;
	uint32_t owner, orphan = 0;
	unsigned int n;

	/* Named first: if we die holding it, the reaper of our record finds it. */
	__atomic_store_n(&op->instance, d->instance, __ATOMIC_RELAXED);
	__atomic_store_n(&op->index, index, __ATOMIC_RELAXED);
	__atomic_store_n(&op->domid, d->domid, __ATOMIC_RELAXED);
	__atomic_store_n(&op->undo, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&op->what, (uint8_t)what, __ATOMIC_SEQ_CST);
	for (n = 1;; n++) {
		owner = 0;
		if (__atomic_compare_exchange_n(word, &owner, rec->token, false, __ATOMIC_SEQ_CST,
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
		if (xensim_reap_holder(rec->dir, owner) != -ENOENT) {
			orphan = 0;
			continue;
		}
		/* No record names the holder, so nobody will ever free the lock (a record is
		 * deleted only after its locks are freed). Seen twice for the same holder: the
		 * lock is taken over, and what it guards is left as it is. */
		if (orphan == owner &&
		    __atomic_compare_exchange_n(word, &owner, rec->token, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return;
		orphan = owner;
	}
}

void xensim_lock_undo(struct xensim_rec *rec, uint32_t pins_before, uint32_t entry,
		      enum xensim_rec_kind kind_before)
{
	struct xensim_rec_op *op = &rec->f->op;

	__atomic_store_n(&op->pins_before, pins_before, __ATOMIC_RELAXED);
	__atomic_store_n(&op->entry, entry, __ATOMIC_RELAXED);
	__atomic_store_n(&op->kind_before, (uint8_t)kind_before, __ATOMIC_RELAXED);
	__atomic_store_n(&op->undo, 1, __ATOMIC_SEQ_CST);
	/* No change under the lock may become visible before the undo that puts it back. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void xensim_unlock(struct xensim_rec *rec, struct xensim_domain *d, enum xensim_lock_what what,
		   uint32_t index)
{
	uint32_t *word = xensim_lock_word(d, what, index);
	struct xensim_rec_op *op = &rec->f->op;
	uint32_t owner = rec->token;

	__atomic_store_n(&op->undo, 0, __ATOMIC_SEQ_CST); /* the op is whole */
	__atomic_compare_exchange_n(word, &owner, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
	__atomic_store_n(&op->what, (uint8_t)XENSIM_LOCK_NONE, __ATOMIC_RELEASE);
}
