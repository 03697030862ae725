/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "sim" xen_ops, the backend (domid 0) side of the simulated hypervisor: what
 * libxengnttab + Linux gntdev + Xen do for grant copies and grant maps. The grant table
 * itself is in xensim_gnttab.c, event channels in xensim_evtchn.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xen_log.h"
#include "xensim_hv_internal.h"

/** One map_grant_refs() mapping, kept to release its pins at unmap. */
struct xensim_map {
	struct xensim_map *next;
	struct xensim_domain *dom;
	uint8_t *addr;
	uint32_t count;
	bool writable;
	struct {
		uint32_t ref;
		uint32_t entry; /**< its pin entry in the handle's record */
	} pages[];
};

static struct xensim_hv *to_sim(struct xen_hv *hv)
{
	return (struct xensim_hv *)hv;
}

static struct xen_hv *sim_open(void)
{
	const char *dir = getenv("XENSIM_DIR");
	struct xensim_hv *hv;
	int rc;

	if (dir == NULL || dir[0] == '\0') {
		XEN_LOG(ERR, "xen-sim: XENSIM_DIR is not set: %s", strerror(ENOENT));
		errno = ENOENT;
		return NULL;
	}
	if (access(dir, R_OK | W_OK | X_OK) < 0) {
		rc = errno;
		XEN_LOG(ERR, "xen-sim: cannot use %s: %s", dir, strerror(rc));
		errno = rc;
		return NULL;
	}
	hv = calloc(1, sizeof(*hv));
	if (hv == NULL)
		return NULL;
	hv->base.ops = &xen_sim_ops;
	if (strlen(dir) >= sizeof(hv->dir)) {
		free(hv);
		XEN_LOG(ERR, "xen-sim: cannot use %s: %s", dir, strerror(ENAMETOOLONG));
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(hv->dir, dir);
	/* A new backend starts: what dead ones held, the kernel has released by now. */
	xensim_reap(hv->dir);
	rc = xensim_rec_open(&hv->rec, hv->dir, xensim_reap_holder);
	if (rc < 0) {
		XEN_LOG(ERR, "xen-sim: cannot make a handle's record in %s: %s", dir, strerror(-rc));
		free(hv);
		errno = -rc;
		return NULL;
	}
	rc = xensim_hv_evtchn_init(hv);
	if (rc < 0) {
		XEN_LOG(ERR, "xen-sim: cannot bind an event channel socket in %s: %s", dir,
			strerror(-rc));
		xensim_rec_close(&hv->rec);
		free(hv);
		errno = -rc;
		return NULL;
	}
	return &hv->base;
}

/* Unpin page @p i of @p m and give its entry back. */
static void page_unpin(struct xensim_rec *rec, struct xensim_map *m, uint32_t i)
{
	xensim_gnttab_unpin(m->dom, m->pages[i].ref, !m->writable, rec, m->pages[i].entry);
	xensim_rec_map_free(rec, m->pages[i].entry);
}

/* Unpin pages [0, @p n) of @p m. */
static void map_unpin(struct xensim_rec *rec, struct xensim_map *m, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		page_unpin(rec, m, i);
}

static void map_release(struct xensim_rec *rec, struct xensim_map *m)
{
	munmap(m->addr, (size_t)m->count * XENSIM_PAGE_SIZE);
	map_unpin(rec, m, m->count);
	xensim_domain_put(m->dom);
	free(m);
}

static void sim_close(struct xen_hv *base)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_map *m;
	unsigned int i;

	while ((m = hv->maps) != NULL) {
		hv->maps = m->next;
		map_release(&hv->rec, m);
	}
	xensim_hv_evtchn_fini(hv);
	for (i = 0; i < hv->nr_cached; i++)
		xensim_domain_put(hv->cache[i].dom);
	xensim_rec_close(&hv->rec);
	free(hv);
}

/* gntdev_grant_copy_seg's whole-call checks: refused before anything is copied. */
static bool seg_malformed(const xen_gcopy_seg *seg)
{
	if (!(seg->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return true; /* local -> local */
	if ((seg->flags & GNTCOPY_source_gref) &&
	    (uint32_t)seg->source.foreign.offset + seg->len > XEN_PAGE_SIZE_4K)
		return true;
	if ((seg->flags & GNTCOPY_dest_gref) &&
	    (uint32_t)seg->dest.foreign.offset + seg->len > XEN_PAGE_SIZE_4K)
		return true;
	return false;
}

/* Resolve one side: a grant of a live domain, or the local buffer. */
static int16_t side_init(struct xensim_hv *hv, bool is_gref, const union xengnttab_copy_ptr *p,
			 struct xensim_copy_ptr *out)
{
	memset(out, 0, sizeof(*out));
	if (!is_gref)
		return GNTST_okay;
	out->dom = xensim_hv_domain(hv, p->foreign.domid);
	if (out->dom == NULL)
		return GNTST_bad_domain;
	out->ref = p->foreign.ref;
	return GNTST_okay;
}

/* Point a side at byte @p copied of the segment: a foreign offset, or a local page. */
static void side_at(struct xensim_copy_ptr *s, const union xengnttab_copy_ptr *p,
		    uint16_t copied)
{
	uintptr_t va;

	if (s->dom != NULL) {
		s->offset = (uint16_t)(p->foreign.offset + copied);
		return;
	}
	va = (uintptr_t)p->virt + copied;
	s->local_page = (uint8_t *)(va & ~(uintptr_t)(XEN_PAGE_SIZE_4K - 1));
	s->offset = (uint16_t)(va & (XEN_PAGE_SIZE_4K - 1));
}

/* One segment as gntdev issues it: one op per local page; the first failure is its status.
 * The ops go into @p call, gntdev's current hypercall. */
static void seg_copy(struct xensim_hv *hv, struct xensim_copy_call *call, xen_gcopy_seg *seg)
{
	bool src_gref = seg->flags & GNTCOPY_source_gref;
	bool dst_gref = seg->flags & GNTCOPY_dest_gref;
	struct xensim_copy_ptr src, dst;
	uint16_t copied = 0, chunk;
	int16_t rc;

	seg->status = GNTST_okay;
	while (copied < seg->len) {
		rc = side_init(hv, src_gref, &seg->source, &src);
		if (rc == GNTST_okay)
			rc = side_init(hv, dst_gref, &seg->dest, &dst);
		chunk = (uint16_t)(seg->len - copied);
		if (rc == GNTST_okay) {
			side_at(&src, &seg->source, copied);
			side_at(&dst, &seg->dest, copied);
			if (src.dom == NULL && chunk > XEN_PAGE_SIZE_4K - src.offset)
				chunk = (uint16_t)(XEN_PAGE_SIZE_4K - src.offset);
			if (dst.dom == NULL && chunk > XEN_PAGE_SIZE_4K - dst.offset)
				chunk = (uint16_t)(XEN_PAGE_SIZE_4K - dst.offset);
			rc = xensim_gnttab_call_copy_op(call, &src, &dst, chunk);
		}
		if (rc != GNTST_okay && seg->status == GNTST_okay)
			seg->status = rc;
		copied = (uint16_t)(copied + chunk);
	}
}

static int sim_grant_copy(struct xen_hv *base, uint32_t count, xen_gcopy_seg *segs)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_copy_call call = { .rec = &hv->rec };
	uint32_t i;

	for (i = 0; i < count; i++)
		if (seg_malformed(&segs[i]))
			return -EINVAL;
	for (i = 0; i < count; i++)
		seg_copy(hv, &call, &segs[i]);
	xensim_gnttab_call_end(&call);
	return 0;
}

/* Pin and map page @p i of @p m into the reserved range. @return 0 or -errno. */
static int map_page(struct xensim_rec *rec, struct xensim_map *m, uint32_t i)
{
	int prot = m->writable ? PROT_READ | PROT_WRITE : PROT_READ;
	size_t frames_off = xensim_frames_off(m->dom->nr_grefs);
	uint32_t frame;
	int entry, err;
	void *p;

	entry = xensim_rec_map_alloc(rec);
	if (entry < 0)
		return entry;
	m->pages[i].entry = (uint32_t)entry;
	if (xensim_gnttab_pin(m->dom, m->pages[i].ref, !m->writable, &frame, rec,
			      (uint32_t)entry) != GNTST_okay) {
		xensim_rec_map_free(rec, (uint32_t)entry);
		return -EINVAL; /* gntdev: any failed map op fails the mmap */
	}
	p = mmap(m->addr + (size_t)i * XENSIM_PAGE_SIZE, XENSIM_PAGE_SIZE, prot,
		 MAP_SHARED | MAP_FIXED, m->dom->fd,
		 (off_t)(frames_off + (size_t)frame * XENSIM_PAGE_SIZE));
	if (p == MAP_FAILED) {
		err = errno;
		page_unpin(rec, m, i);
		return -err;
	}
	return 0;
}

/* Pin and map each page; on failure undo pages [0, i). */
static int map_pages(struct xensim_rec *rec, struct xensim_map *m, const uint32_t *refs)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->count; i++) {
		m->pages[i].ref = refs[i];
		rc = map_page(rec, m, i);
		if (rc < 0) {
			map_unpin(rec, m, i);
			return rc;
		}
	}
	return 0;
}

static void *sim_map(struct xen_hv *base, uint32_t domid, uint32_t count,
		     const uint32_t *refs, bool writable)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_domain *d;
	struct xensim_map *m;
	int rc;

	if (count == 0 || count > XENSIM_HV_MAX_MAP || refs == NULL || domid > UINT16_MAX) {
		errno = EINVAL;
		return NULL;
	}
	d = xensim_hv_domain(hv, (uint16_t)domid);
	if (d == NULL) {
		errno = EINVAL; /* gntdev turns GNTST_bad_domain into a failed mmap */
		return NULL;
	}
	m = calloc(1, sizeof(*m) + count * sizeof(m->pages[0]));
	if (m == NULL)
		return NULL;
	m->dom = d;
	m->count = count;
	m->writable = writable;
	/* Reserve one contiguous range, then place each granted page in it. */
	m->addr = mmap(NULL, (size_t)count * XENSIM_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->addr == MAP_FAILED) {
		free(m);
		return NULL;
	}
	rc = map_pages(&hv->rec, m, refs);
	if (rc < 0) {
		munmap(m->addr, (size_t)count * XENSIM_PAGE_SIZE);
		free(m);
		errno = -rc;
		return NULL;
	}
	xensim_domain_hold(d);
	m->next = hv->maps;
	hv->maps = m;
	return m->addr;
}

static int sim_unmap(struct xen_hv *base, void *addr, uint32_t count)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_map **pp, *m;

	for (pp = &hv->maps; (m = *pp) != NULL; pp = &m->next) {
		if (m->addr != addr)
			continue;
		if (m->count != count)
			return -EINVAL; /* libxengnttab: count must match the mapping */
		*pp = m->next;
		map_release(&hv->rec, m);
		return 0;
	}
	return -EINVAL;
}

const struct xen_ops xen_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.grant_copy = sim_grant_copy,
	.map_grant_refs = sim_map,
	.unmap = sim_unmap,
	.evtchn_bind_interdomain = xensim_hv_evtchn_bind,
	.evtchn_unbind = xensim_hv_evtchn_unbind,
	.evtchn_notify = xensim_hv_evtchn_notify,
	.evtchn_fd = xensim_hv_evtchn_fd,
	.evtchn_pending = xensim_hv_evtchn_pending,
	.evtchn_unmask = xensim_hv_evtchn_unmask,
};

/* Linked whole into the test tree's binaries only: there "--xen sim" / "xen=sim" finds it. */
XEN_OPS_REGISTER(xen_sim_ops)
