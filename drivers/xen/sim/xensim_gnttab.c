/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulated hypervisor's grant table: active grant entries (pin counts) and the
 * GNTTABOP_copy operation, following Xen's
 * xen/common/grant_table.c for a v1 table: _set_status_v1, acquire_grant_for_copy,
 * release_grant_for_copy, gnttab_copy_one/gnttab_copy_buf. The active entries are in the
 * domain file's hypervisor area, changed under their lock by a holder that records each
 * pin (xensim_rec.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim_hv_internal.h"

/* Active entry pins: bits 16..30 count writable pins (GNTPIN_hstw), bits 0..15 read-only
 * pins (GNTPIN_hstr). Changed under the entry's lock (Xen's active_entry_acquire). */
#define ACT_RD_INC 1u
#define ACT_WR_INC (1u << 16)
#define ACT_RD_MAX 0xffffu
#define ACT_WR_MAX 0x7fffu
/* Xen retries the compare-and-swap on a shared entry this often, then calls it unstable. */
#define SET_STATUS_RETRIES 4

/* The flags and domid of a v1 entry, compared-and-swapped as one word, as Xen does. */
union grant_combo {
	uint32_t raw;
	struct {
		uint16_t flags;
		uint16_t domid;
	} s;
};


static uint32_t act_rd(uint32_t pins)
{
	return pins & ACT_RD_MAX;
}

static uint32_t act_wr(uint32_t pins)
{
	return (pins >> 16) & ACT_WR_MAX;
}

static uint32_t *entry_combo(grant_entry_v1_t *e)
{
	return (uint32_t *)(void *)e;
}

/* _set_status_v1: check the entry (unless already pinned) and set GTF_reading/writing. */
static int16_t set_status(grant_entry_v1_t *e, bool pinned, bool readonly)
{
	union grant_combo cur, next;
	int retries;

	cur.raw = __atomic_load_n(entry_combo(e), __ATOMIC_ACQUIRE);
	for (retries = 0;; retries++) {
		if (!pinned && ((cur.s.flags & GTF_type_mask) != GTF_permit_access ||
				cur.s.domid != 0))
			return GNTST_general_error;
		next = cur;
		next.s.flags |= GTF_reading;
		if (!readonly) {
			if (cur.s.flags & GTF_readonly)
				return GNTST_general_error;
			next.s.flags |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(entry_combo(e), &cur.raw, next.raw, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return GNTST_okay;
		if (retries == SET_STATUS_RETRIES)
			return GNTST_general_error; /* "Shared grant entry is unstable" */
	}
}

static void clear_flags(grant_entry_v1_t *e, uint16_t flags)
{
	if (flags != 0)
		__atomic_fetch_and(&e->flags, (uint16_t)~flags, __ATOMIC_SEQ_CST);
}

/* The flags @p pins no longer justify: GTF_writing without a writable pin, GTF_reading
 * without any. */
static uint16_t flags_unjustified(uint32_t pins)
{
	uint16_t clear = 0;

	if (act_wr(pins) == 0)
		clear |= GTF_writing;
	if (pins == 0)
		clear |= GTF_reading;
	return clear;
}

static uint32_t pins_get(const struct xensim_active *a)
{
	return __atomic_load_n(&a->pins, __ATOMIC_RELAXED);
}

static void pins_set(struct xensim_active *a, uint32_t pins)
{
	__atomic_store_n(&a->pins, pins, __ATOMIC_RELAXED);
}

/* Under the entry's lock. The first pin checks the entry and captures its frame. */
static int16_t pin_locked(struct xensim_domain *d, uint32_t ref, bool readonly,
			  uint32_t *frame, struct xensim_rec *rec, uint32_t entry)
{
	struct xensim_active *a = &d->active[ref];
	grant_entry_v1_t *e = &d->gnttab[ref];
	uint32_t pins = pins_get(a), f;
	int16_t rc;

	if (act_rd(pins) == ACT_RD_MAX || act_wr(pins) == ACT_WR_MAX || !xensim_pins_valid(pins))
		return GNTST_general_error; /* Xen: "risk of counter overflow" */
	f = __atomic_load_n(&a->frame, __ATOMIC_RELAXED);
	if (pins != 0 && f >= d->nr_pages)
		return GNTST_general_error; /* a corrupt active entry: never map past the frames */
	xensim_lock_undo(rec, pins, entry, XENSIM_REC_FREE);
	if (pins == 0 || (!readonly && act_wr(pins) == 0)) {
		rc = set_status(e, pins != 0, readonly);
		if (rc != GNTST_okay)
			return rc;
		if (pins == 0) {
			/* Read the frame once: the guest may rewrite the entry at any time. */
			f = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
			if (f >= d->nr_pages) {
				clear_flags(e, readonly ? GTF_reading : GTF_reading | GTF_writing);
				return GNTST_bad_page;
			}
			__atomic_store_n(&a->frame, f, __ATOMIC_RELAXED);
		}
	}
	pins_set(a, pins + (readonly ? ACT_RD_INC : ACT_WR_INC));
	xensim_rec_set(&rec->f->pins[entry], d, ref,
		       readonly ? XENSIM_REC_PIN_RO : XENSIM_REC_PIN_RW);
	*frame = f;
	return GNTST_okay;
}

int16_t xensim_gnttab_pin(struct xensim_domain *d, uint32_t ref, bool readonly,
			  uint32_t *frame, struct xensim_rec *rec, uint32_t entry)
{
	int16_t rc;

	if (ref >= d->nr_grefs)
		return GNTST_bad_gntref;
	if (!xensim_domain_alive(d))
		return GNTST_bad_domain;
	xensim_lock(rec, d, XENSIM_LOCK_GRANT, ref);
	rc = pin_locked(d, ref, readonly, frame, rec, entry);
	xensim_unlock(rec, d, XENSIM_LOCK_GRANT, ref);
	return rc;
}

void xensim_gnttab_unpin(struct xensim_domain *d, uint32_t ref, bool readonly,
			 struct xensim_rec *rec, uint32_t entry)
{
	struct xensim_active *a = &d->active[ref];
	uint16_t clear = 0;
	uint32_t pins;

	xensim_lock(rec, d, XENSIM_LOCK_GRANT, ref);
	pins = pins_get(a);
	xensim_lock_undo(rec, pins, entry, readonly ? XENSIM_REC_PIN_RO : XENSIM_REC_PIN_RW);
	xensim_rec_clear(&rec->f->pins[entry]);
	if (readonly && act_rd(pins) > 0)
		pins -= ACT_RD_INC;
	else if (!readonly && act_wr(pins) > 0)
		pins -= ACT_WR_INC;
	pins_set(a, pins);
	if (!readonly && act_wr(pins) == 0)
		clear |= GTF_writing;
	if (pins == 0)
		clear |= GTF_reading;
	clear_flags(&d->gnttab[ref], clear);
	xensim_unlock(rec, d, XENSIM_LOCK_GRANT, ref);
}

void xensim_gnttab_restore(struct xensim_domain *d, uint32_t ref, uint32_t pins)
{
	pins_set(&d->active[ref], pins);
	clear_flags(&d->gnttab[ref], flags_unjustified(pins));
}

/* The source side is read, the destination written: each has its pin entry. */
static uint32_t claim_entry(bool readonly)
{
	return readonly ? XENSIM_REC_COPY_SRC : XENSIM_REC_COPY_DST;
}

static void release(struct xensim_rec *rec, struct xensim_copy_claim *c, bool readonly)
{
	if (c->dom != NULL)
		xensim_gnttab_unpin(c->dom, c->ref, readonly, rec, claim_entry(readonly));
	c->dom = NULL;
}

/* gnttab_copy_claim_buf: a grant is pinned, a local page is used as is. A grant the call
 * already holds for this side (gnttab_copy_buf_valid) is used again without a new pin. */
static int16_t claim(struct xensim_rec *rec, struct xensim_copy_claim *c,
		     const struct xensim_copy_ptr *p, bool readonly, uint8_t **page)
{
	uint32_t frame;
	int16_t rc;

	if (c->dom != NULL && c->dom == p->dom && c->ref == p->ref) {
		*page = c->page;
		return GNTST_okay;
	}
	release(rec, c, readonly);
	if (p->dom == NULL) {
		*page = p->local_page;
		return GNTST_okay;
	}
	rc = xensim_gnttab_pin(p->dom, p->ref, readonly, &frame, rec, claim_entry(readonly));
	if (rc != GNTST_okay)
		return rc;
	c->dom = p->dom;
	c->ref = p->ref;
	c->page = p->dom->frames + (size_t)frame * XENSIM_PAGE_SIZE;
	*page = c->page;
	return GNTST_okay;
}

void xensim_gnttab_call_end(struct xensim_copy_call *call)
{
	release(call->rec, &call->src, true);
	release(call->rec, &call->dst, false);
	call->nr_ops = 0;
}

int16_t xensim_gnttab_call_copy_op(struct xensim_copy_call *call,
				   const struct xensim_copy_ptr *src,
				   const struct xensim_copy_ptr *dst, uint16_t len)
{
	uint8_t *sp, *dp;
	int16_t rc;

	if (call->nr_ops == XENSIM_GNTDEV_COPY_BATCH)
		xensim_gnttab_call_end(call); /* gntdev's next hypercall */
	call->nr_ops++;
	if ((src->dom != NULL && !xensim_domain_alive(src->dom)) ||
	    (dst->dom != NULL && !xensim_domain_alive(dst->dom)))
		rc = GNTST_bad_domain;
	else
		rc = claim(call->rec, &call->src, src, true, &sp);
	if (rc == GNTST_okay)
		rc = claim(call->rec, &call->dst, dst, false, &dp);
	if (rc == GNTST_okay && ((uint32_t)src->offset + len > XENSIM_PAGE_SIZE ||
				 (uint32_t)dst->offset + len > XENSIM_PAGE_SIZE))
		rc = GNTST_bad_copy_arg; /* "copy beyond page area" */
	if (rc != GNTST_okay) {
		/* Xen drops both claims after a failed op */
		release(call->rec, &call->src, true);
		release(call->rec, &call->dst, false);
		return rc;
	}
	/* memmove: a guest may grant one page twice, so both sides may overlap. */
	memmove(dp + dst->offset, sp + src->offset, len);
	return GNTST_okay;
}

int16_t xensim_gnttab_copy_op(struct xensim_rec *rec, const struct xensim_copy_ptr *src,
			      const struct xensim_copy_ptr *dst, uint16_t len)
{
	struct xensim_copy_call call = { .rec = rec };
	int16_t rc = xensim_gnttab_call_copy_op(&call, src, dst, len);

	xensim_gnttab_call_end(&call);
	return rc;
}
