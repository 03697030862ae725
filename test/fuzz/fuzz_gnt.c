/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h> /* before xen headers: __XEN_TOOLS__ */
#include <xen/grant_table.h>

#include "fuzz_common.h"
#include "fuzz_gnt.h"

void fz_gnt_init(struct fz_gnt *g)
{
	memset(g, 0, sizeof(*g));
	for (unsigned int i = 0; i < FZ_GNT_PAGES; i++) {
		g->page[i] = malloc(NIF_PAGE_SIZE);
		fz_check(g->page[i] != NULL, "out of memory for guest pages");
		memset(g->page[i], 0, NIF_PAGE_SIZE);
	}
	g->fail_seg = FZ_NO_FAIL;
}

void fz_gnt_fini(struct fz_gnt *g)
{
	for (unsigned int i = 0; i < FZ_GNT_PAGES; i++)
		free(g->page[i]);
	memset(g, 0, sizeof(*g));
}

static int16_t gnt_copy_one(struct fz_gnt *g, nif_gcopy_seg *s, fz_local_ok_fn local_ok,
			    void *arg)
{
	bool src_gref = s->flags & GNTCOPY_source_gref, dst_gref = s->flags & GNTCOPY_dest_gref;
	const typeof(s->source.foreign) *f = src_gref ? &s->source.foreign : &s->dest.foreign;
	const void *local = src_gref ? s->dest.virt : s->source.virt;
	uint8_t *page;

	if (src_gref == dst_gref || (s->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return GNTST_general_error;
	if (f->domid != FZ_DOMID)
		return GNTST_bad_domain;
	if (f->ref >= FZ_GNT_PAGES)
		return GNTST_bad_gntref;
	if ((uint32_t)f->offset + s->len > NIF_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	fz_check(local_ok(local, s->len, arg),
		 "grant-copy segment's local side %p+%u is outside the backend's buffers",
		 local, s->len);
	page = g->page[f->ref] + f->offset;
	if (src_gref)
		memcpy(s->dest.virt, page, s->len);
	else
		memcpy(page, s->source.virt, s->len);
	g->bytes_copied += s->len;
	return GNTST_okay;
}

int fz_gnt_copy(struct fz_gnt *g, nif_gcopy_seg *segs, uint32_t count,
		fz_local_ok_fn local_ok, void *arg)
{
	for (uint32_t i = 0; i < count; i++)
		segs[i].status = i == g->fail_seg ? g->fail_status :
				 gnt_copy_one(g, &segs[i], local_ok, arg);
	return 0;
}
