/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "test_nif_fe.h"

void fe_init(struct fe *fe)
{
	memset(fe, 0, sizeof(*fe));
	fe->mem = aligned_alloc(NIF_PAGE_SIZE, (size_t)FE_NB_PAGES * NIF_PAGE_SIZE);
	fe->rx_sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	fe->tx_sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	memset(fe->mem, 0, (size_t)FE_NB_PAGES * NIF_PAGE_SIZE);
	memset(fe->rx_sring, 0xa5, NIF_PAGE_SIZE);
	memset(fe->tx_sring, 0xa5, NIF_PAGE_SIZE);
	SHARED_RING_INIT(fe->rx_sring);
	SHARED_RING_INIT(fe->tx_sring);
	FRONT_RING_INIT(&fe->rx, fe->rx_sring, NIF_PAGE_SIZE);
	FRONT_RING_INIT(&fe->tx, fe->tx_sring, NIF_PAGE_SIZE);
	fe->fail_seg = FE_NO_FAIL;
}

void fe_fini(struct fe *fe)
{
	free(fe->mem);
	free(fe->rx_sring);
	free(fe->tx_sring);
}

uint8_t *fe_page(struct fe *fe, grant_ref_t gref)
{
	return fe->mem + (size_t)gref * NIF_PAGE_SIZE;
}

static int16_t fe_copy_one(struct fe *fe, nif_gcopy_seg *s)
{
	bool src_gref = s->flags & GNTCOPY_source_gref, dst_gref = s->flags & GNTCOPY_dest_gref;
	const typeof(s->source.foreign) *f = src_gref ? &s->source.foreign : &s->dest.foreign;
	uint8_t *page;

	if (src_gref == dst_gref || (s->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return GNTST_general_error;
	if (f->domid != FE_DOMID)
		return GNTST_bad_domain;
	if (f->ref >= FE_NB_PAGES)
		return GNTST_bad_gntref;
	if ((uint32_t)f->offset + s->len > NIF_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	page = fe_page(fe, f->ref) + f->offset;
	if (src_gref)
		memcpy(s->dest.virt, page, s->len);
	else
		memcpy(page, s->source.virt, s->len);
	return GNTST_okay;
}

int fe_gcopy(struct fe *fe, uint32_t count, nif_gcopy_seg *segs)
{
	fe->copies++;
	for (uint32_t i = 0; i < count; i++)
		segs[i].status = i == fe->fail_seg ? fe->fail_status : fe_copy_one(fe, &segs[i]);
	return 0;
}

const int16_t fe_gcopy_fail_statuses[FE_NB_GCOPY_FAIL_STATUSES] = {
	GNTST_general_error, GNTST_bad_domain, GNTST_bad_gntref, GNTST_bad_handle,
	GNTST_bad_virt_addr, GNTST_bad_dev_addr, GNTST_no_device_space,
	GNTST_permission_denied, GNTST_bad_page, GNTST_bad_copy_arg,
	GNTST_address_too_big, GNTST_eagain, GNTST_no_space,
};

void fe_rx_post(struct fe *fe, uint16_t n, uint16_t id0, grant_ref_t gref0)
{
	for (uint16_t i = 0; i < n; i++) {
		netif_rx_request_t *req = RING_GET_REQUEST(&fe->rx, fe->rx.req_prod_pvt);

		req->id = (uint16_t)(id0 + i);
		req->gref = gref0 + i;
		fe->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&fe->rx);
}

struct rte_mbuf *fe_chain(struct rte_mempool *mp, const uint16_t *seg_lens, uint16_t nb,
			  const uint16_t *headroom, uint32_t seed)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t x = seed * 2654435761u + 1;

	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t *d;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (headroom != NULL)
			m->data_off = headroom[i];
		d = (uint8_t *)rte_pktmbuf_append(m, seg_lens[i]);
		if (d == NULL && seg_lens[i] != 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		for (uint16_t b = 0; b < seg_lens[i]; b++) {
			x = x * 1103515245u + 12345u;
			d[b] = (uint8_t)(x >> 16);
		}
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
			head->pkt_len += seg_lens[i];
		}
		prev = m;
	}
	return head;
}

void fe_linearize(const struct rte_mbuf *m, uint8_t *out)
{
	for (; m != NULL; m = m->next) {
		memcpy(out, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		out += m->data_len;
	}
}
