/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest-RX slot layout: which bytes of an mbuf chain land in which guest page.
 *
 * Packed (default): one cursor runs over the destination pages and never resets at an
 * mbuf segment boundary, so page k receives bytes [4096k, 4096(k+1)) of the packet exactly
 * as for a linearized copy. A copy segment ends where either the mbuf segment or the
 * destination page ends; the local (virt) side may cross host pages, which the grant-copy
 * interface allows, so no extra split is needed there.
 *
 * Naive (benchmark control): each mbuf segment starts on a fresh page.
 *
 * Headroom (the frontend's xdp-headroom): the first page's cursor starts at @p headroom
 * instead of 0, so that page holds NIF_PAGE_SIZE - headroom bytes at most, and the next
 * ones start at 0 (xen-netback's xenvif_rx_data_slot starts every slot at the headroom; only
 * the first needs it: netfront runs XDP on single-slot packets and reads every slot at the
 * response's offset).
 */
#include <errno.h>

#include "nif_internal.h"

static void rx_emit(const struct nif_rx_sink *sink, uint32_t seg_idx, uint16_t slot,
		    uint16_t dest_off, const uint8_t *src, uint16_t len)
{
	nif_gcopy_seg *seg;

	if (sink == NULL)
		return;
	if (sink->slot_sizes != NULL && slot < sink->max_slots)
		sink->slot_sizes[slot] += len;
	if (sink->segs == NULL || slot >= sink->max_slots)
		return;
	seg = &sink->segs[seg_idx];
	memset(seg, 0, sizeof(*seg));
	seg->source.virt = (void *)(uintptr_t)src;
	seg->dest.foreign.ref = sink->grefs[slot];
	seg->dest.foreign.offset = dest_off;
	seg->dest.foreign.domid = sink->domid;
	seg->len = len;
	seg->flags = GNTCOPY_dest_gref;
	/* Not a GNTST_* value: a segment the caller never issued reads as failed. */
	seg->status = 1;
}

int nif_rx_walk(const struct rte_mbuf *m, enum nif_layout layout, uint16_t headroom,
		const struct nif_rx_sink *sink, uint32_t *nb_segs)
{
	const struct rte_mbuf *seg;
	uint32_t dest_off = NIF_PAGE_SIZE; /* "current page full": the first byte opens one */
	uint32_t total = 0, nsegs = 0, walked = 0;
	int nslots = 0;

	if (sink != NULL && sink->slot_sizes != NULL)
		memset(sink->slot_sizes, 0, sizeof(uint16_t) * sink->max_slots);
	for (seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *src = rte_pktmbuf_mtod(seg, const uint8_t *);
		uint32_t len = seg->data_len;

		/* Bound the walk by nb_segs so a corrupt (looping) chain cannot hang us. */
		if (++walked > m->nb_segs)
			return -EINVAL;
		total += len;
		if (len == 0)
			continue;
		if (layout == NIF_LAYOUT_NAIVE)
			dest_off = NIF_PAGE_SIZE;
		while (len > 0) {
			uint32_t chunk;

			if (dest_off == NIF_PAGE_SIZE) {
				dest_off = nslots == 0 ? headroom : 0;
				nslots++;
			}
			chunk = RTE_MIN(len, NIF_PAGE_SIZE - dest_off);
			rx_emit(sink, nsegs, (uint16_t)(nslots - 1), (uint16_t)dest_off, src,
				(uint16_t)chunk);
			nsegs++;
			dest_off += chunk;
			src += chunk;
			len -= chunk;
		}
	}
	if (total == 0 || total != m->pkt_len)
		return -EINVAL;
	if (nb_segs != NULL)
		*nb_segs = nsegs;
	return nslots;
}

int nif_rx_slot_layout(const struct rte_mbuf *m, enum nif_layout layout, uint16_t headroom,
		       uint16_t *slot_sizes, uint16_t max_slots, uint32_t *nb_copy_segs)
{
	struct nif_rx_sink sink = {
		.slot_sizes = slot_sizes,
		.max_slots = slot_sizes != NULL ? max_slots : 0,
	};

	if (m == NULL || headroom > NIF_RX_HEADROOM_MAX)
		return -EINVAL;
	return nif_rx_walk(m, layout, headroom, &sink, nb_copy_segs);
}
