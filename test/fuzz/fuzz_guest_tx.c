/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xen/io/netif.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz_common.h"
#include "fuzz_gnt.h"
#include "fuzz_guest_tx.h"
#include "nif.h"

#define TX_MAX_OPS 512u
#define TX_OUT_MAX 256u
#define TX_BATCH_MAX 4096u /* nif's default batch capacity (max_copy_segs 0) */

enum tx_op { OP_RAW, OP_REQ, OP_EXTRA, OP_PUSH, OP_PAGE, OP_BURST, OP_RSP_EVENT, OP_NB };

static struct rte_mempool *tx_mp;
static struct rte_mbuf **tx_objs; /* every mbuf of tx_mp, sorted by address */
static unsigned int tx_nb_objs;

struct tx_run {
	struct fz_gnt gnt;
	netif_tx_sring_t *sring;
	netif_tx_front_ring_t fe;
	struct nif_txq *q;
	uint16_t max_burst;
	uint64_t consumed; /* packets prepared over the queue's life */
	struct nif_mcast mcast; /* the vif's multicast list, when the input says so */
	fz_gtx_sink_fn sink;
	void *sink_arg;
};

static void tx_obj_cb(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	(void)mp;
	(void)arg;
	tx_objs[idx] = obj;
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

void fz_gtx_init(struct rte_mempool *mp)
{
	tx_mp = mp;
	tx_objs = calloc(mp->size, sizeof(*tx_objs));
	fz_check(tx_objs != NULL, "TX object table");
	tx_nb_objs = rte_mempool_obj_iter(tx_mp, tx_obj_cb, NULL);
	qsort(tx_objs, tx_nb_objs, sizeof(*tx_objs), ptr_cmp);
}

/* The mbuf whose object holds @p p, or NULL. */
static const struct rte_mbuf *tx_mbuf_of(const void *p)
{
	unsigned int lo = 0, hi = tx_nb_objs;

	while (hi - lo > 1) {
		unsigned int mid = (lo + hi) / 2;

		if ((uintptr_t)tx_objs[mid] <= (uintptr_t)p)
			lo = mid;
		else
			hi = mid;
	}
	return tx_nb_objs > 0 && (uintptr_t)tx_objs[lo] <= (uintptr_t)p ? tx_objs[lo] : NULL;
}

/* A guest-TX copy may only write into the data an mbuf of our pool was given. */
static bool tx_local_ok(const void *virt, uint16_t len, void *arg)
{
	const struct rte_mbuf *m = tx_mbuf_of(virt);

	(void)arg;
	return m != NULL && fz_within(virt, len, rte_pktmbuf_mtod(m, const void *), m->data_len);
}

/* Header templates the guest may put in its pages, so offload parsing is reached. */
static void tx_page_write(struct tx_run *r, struct fz_in *in)
{
	static const uint8_t eth4[] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0 };
	static const uint8_t eth6[] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd,
		0x60, 0, 0, 0, 0, 20, 6, 64, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0 };
	uint8_t *page = r->gnt.page[fz_u8(in) % FZ_GNT_PAGES];
	uint16_t off = fz_u16(in) % NIF_PAGE_SIZE;
	uint8_t kind = fz_u8(in);
	uint8_t raw[256];
	const uint8_t *src = raw;
	size_t len;

	if (kind % 4 == 0) {
		src = eth4;
		len = sizeof(eth4);
	} else if (kind % 4 == 1) {
		src = eth6;
		len = sizeof(eth6);
	} else {
		len = fz_u8(in);
		fz_bytes(in, raw, len);
	}
	if (len > NIF_PAGE_SIZE - off)
		len = NIF_PAGE_SIZE - off;
	memcpy(page + off, src, len);
	if (kind % 4 < 2 && len > 23) /* protocol byte variant: UDP for IPv4 */
		page[off + 23] = kind & 4 ? 17 : page[off + 23];
}

static void tx_put_slot(struct tx_run *r, const void *slot)
{
	memcpy(RING_GET_REQUEST(&r->fe, r->fe.req_prod_pvt), slot, sizeof(netif_tx_request_t));
	r->fe.req_prod_pvt++;
}

static void tx_op_req(struct tx_run *r, struct fz_in *in)
{
	netif_tx_request_t req = {
		.gref = fz_u8(in) % (FZ_GNT_PAGES + 2),
		.offset = fz_u16(in),
		.flags = fz_u8(in) & 0x0f,
		.id = fz_u16(in),
		.size = fz_u16(in),
	};

	tx_put_slot(r, &req);
}

static void tx_op_extra(struct tx_run *r, struct fz_in *in)
{
	union {
		netif_tx_request_t req;
		netif_extra_info_t extra;
	} slot;

	memset(&slot, 0, sizeof(slot));
	slot.extra.type = fz_u8(in) % (XEN_NETIF_EXTRA_TYPE_MAX + 1);
	slot.extra.flags = fz_u8(in) & 1;
	fz_bytes(in, &slot.extra.u, sizeof(slot.extra.u.pad));
	tx_put_slot(r, &slot);
}

struct tx_delta {
	struct nif_tx_stats s0, s1;
};

#define TX_D(d, f) ((d)->s1.f - (d)->s0.f)

/* The local side of each planned copy, kept past finish for tx_check_delivered(). */
struct tx_copy {
	const void *virt;
	uint16_t len;
};

/* Every byte of a delivered chain was written by exactly the copies aimed at it. */
static void tx_check_delivered(const struct rte_mbuf *m, const struct tx_copy *cp,
			       uint32_t nseg)
{
	uint64_t covered = 0;

	fz_check_chain(m, "nif_tx delivered");
	fz_check(m->pkt_len >= 14, "delivered a runt of %u bytes", m->pkt_len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		for (uint32_t i = 0; i < nseg; i++)
			if (fz_within(cp[i].virt, cp[i].len, rte_pktmbuf_mtod(s, const void *),
				      s->data_len))
				covered += cp[i].len;
	}
	fz_check(covered == m->pkt_len, "delivered %u bytes but %lu were copied into them",
		 m->pkt_len, (unsigned long)covered);
}

/* Each planned segment reads one guest page within its bounds; remember its local side. */
static void tx_check_segs(const nif_gcopy_seg *segs, uint32_t nseg, struct tx_copy *cp)
{
	for (uint32_t i = 0; i < nseg; i++) {
		fz_check(segs[i].flags == GNTCOPY_source_gref &&
			 segs[i].source.foreign.domid == FZ_DOMID &&
			 (uint32_t)segs[i].source.foreign.offset + segs[i].len <= NIF_PAGE_SIZE,
			 "TX segment %u: flags %#x offset %u len %u crosses a page or the guest",
			 i, segs[i].flags, segs[i].source.foreign.offset, segs[i].len);
		cp[i].virt = segs[i].dest.virt;
		cp[i].len = segs[i].len;
	}
}

/* The frontend is notified exactly when rsp_event lies in the responses just pushed. */
static void tx_check_notify(const struct tx_run *r, RING_IDX old, bool notify)
{
	RING_IDX now = r->sring->rsp_prod;
	bool want = (RING_IDX)(now - r->sring->rsp_event) < (RING_IDX)(now - old);

	fz_check(notify == want, "notify %d with rsp_event %u, responses [%u, %u)", notify,
		 r->sring->rsp_event, old, now);
}

static void tx_check_responses(struct tx_run *r, RING_IDX old, uint32_t nslots,
			       const uint16_t *ids)
{
	for (uint32_t k = 0; k < nslots; k++) {
		const netif_tx_response_t *rsp = RING_GET_RESPONSE(&r->fe, old + k);

		fz_check(rsp->status == NETIF_RSP_OKAY || rsp->status == NETIF_RSP_ERROR ||
			 rsp->status == NETIF_RSP_NULL, "TX response status %d", rsp->status);
		fz_check(rsp->status == NETIF_RSP_NULL || rsp->id == ids[k],
			 "TX response id %u for request id %u", rsp->id, ids[k]);
	}
}

/*
 * The multicast list the MCAST extras built: never past NIF_MCAST_MAX; every entry from an
 * accepted ADD; each DEL removes at most one.
 */
static void tx_check_mcast(const struct nif_mcast *f, const struct nif_tx_stats *s)
{
	unsigned int n = nif_mcast_count(f);

	fz_check(n <= NIF_MCAST_MAX, "%u multicast entries, over %u", n, NIF_MCAST_MAX);
	fz_check(n <= s->tx_mcast_add && n + s->tx_mcast_del >= s->tx_mcast_add,
		 "%u multicast entries after %lu ADDs and %lu DELs", n,
		 (unsigned long)s->tx_mcast_add, (unsigned long)s->tx_mcast_del);
}

/* Packets consumed = delivered + error responses + multicast controls + offload drops. */
static void tx_check_fates(const struct nif_tx_stats *s, uint64_t consumed)
{
	uint64_t fates = s->tx_packets + s->tx_error_rsp + s->tx_mcast_add + s->tx_mcast_del +
			 s->tx_mcast_full + s->tx_drop_csum + s->tx_drop_bad_gso +
			 s->tx_drop_bad_hdr;

	fz_check(fates == consumed, "%lu packets consumed but %lu fates counted",
		 (unsigned long)consumed, (unsigned long)fates);
}

static void tx_burst(struct tx_run *r, struct fz_in *in, uint16_t max_pkts, uint8_t copy_mode,
		     uint16_t fail)
{
	static uint16_t ids[NIF_PAGE_SIZE];
	static struct tx_copy cp[TX_BATCH_MAX];
	struct rte_mbuf *out[TX_OUT_MAX];
	enum nif_fatal f0 = nif_txq_fatal(r->q);
	RING_IDX old = r->sring->rsp_prod;
	struct tx_delta d;
	nif_gcopy_seg *segs;
	uint32_t nslots, nseg;
	uint16_t n, nb_out;
	bool notify;
	int rc = 0;

	d.s0 = *nif_txq_stats(r->q);
	n = nif_tx_prepare_burst(r->q, max_pkts);
	d.s1 = *nif_txq_stats(r->q);
	fz_check(n <= max_pkts && n <= r->max_burst, "prepared %u of max %u", n, max_pkts);
	fz_check(f0 == NIF_FATAL_NONE || (n == 0 && nif_txq_fatal(r->q) == f0),
		 "fatal %d not sticky (now %d, %u packets)", f0, nif_txq_fatal(r->q), n);
	nslots = (uint32_t)TX_D(&d, tx_slots);
	fz_check(nslots <= RING_SIZE(&r->fe) && (n > 0 || nslots == 0),
		 "%u slots consumed for %u packets", nslots, n);
	for (uint32_t k = 0; k < nslots; k++)
		ids[k] = RING_GET_REQUEST(&r->fe, old + k)->id;
	nseg = nif_tx_gcopy_segs(r->q, &segs);
	fz_check(nseg == TX_D(&d, gcopy_segs) && nseg <= TX_BATCH_MAX,
		 "%u segments, counted %lu", nseg, (unsigned long)TX_D(&d, gcopy_segs));
	tx_check_segs(segs, nseg, cp);
	r->gnt.fail_seg = copy_mode == 2 ? fail : FZ_NO_FAIL;
	r->gnt.fail_status = GNTST_general_error;
	if (copy_mode == 1)
		rc = -1; /* the whole batch refused: nothing copied */
	else
		fz_gnt_copy(&r->gnt, segs, nseg, tx_local_ok, NULL);

	fz_check(nif_tx_finish_burst(r->q, rc, out, &nb_out, &notify) == 0, "finish refused");
	d.s0 = d.s1;
	d.s1 = *nif_txq_stats(r->q);
	fz_check(r->sring->rsp_prod - old == nslots, "%u responses for %u consumed slots",
		 r->sring->rsp_prod - old, nslots);
	fz_check(nb_out <= n && TX_D(&d, tx_packets) == nb_out, "delivered %u of %u", nb_out, n);
	tx_check_responses(r, old, nslots, ids);
	tx_check_notify(r, old, notify);
	for (uint16_t i = 0; i < nb_out; i++)
		tx_check_delivered(out[i], cp, nseg);
	r->sink(out, nb_out, in, r->sink_arg);
	r->consumed += n;
	tx_check_fates(nif_txq_stats(r->q), r->consumed);
	tx_check_mcast(nif_txq_mcast(r->q), nif_txq_stats(r->q));
}

static bool tx_setup(struct tx_run *r, struct fz_in *in)
{
	uint8_t conf = fz_u8(in);
	RING_IDX start = fz_u32(in);
	struct nif_txq_conf c = {
		.ring_bytes = NIF_PAGE_SIZE, .domid = FZ_DOMID, .mp = tx_mp,
		.max_burst = (uint16_t)(1 + (conf & 31)), .socket_id = SOCKET_ID_ANY,
	};

	memset(r, 0, sizeof(*r));
	fz_gnt_init(&r->gnt);
	r->sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	fz_check(r->sring != NULL, "ring page");
	memset(r->sring, 0, NIF_PAGE_SIZE);
	SHARED_RING_INIT(r->sring);
	FRONT_RING_INIT(&r->fe, r->sring, NIF_PAGE_SIZE);
	/* Any starting index: the ring arithmetic must survive the 2^32 wrap. */
	r->sring->req_prod = r->sring->rsp_prod = start;
	r->sring->rsp_event = start + 1;
	r->fe.req_prod_pvt = r->fe.rsp_cons = start;
	if (conf & 0x80)
		r->sring->req_prod = start + fz_u16(in); /* a garbage ring at attach */
	c.sring = r->sring;
	r->max_burst = c.max_burst;
	nif_mcast_init(&r->mcast);
	if (conf & 0x40)
		c.mcast = &r->mcast; /* a vif's list, else the queue's own */
	r->q = nif_txq_create(&c);
	if (r->q == NULL) {
		fz_check(r->sring->req_prod - start > RING_SIZE(&r->fe),
			 "create refused a sane ring");
		return false;
	}
	return true;
}

static void tx_teardown(struct tx_run *r)
{
	nif_txq_free(r->q);
	free(r->sring);
	fz_gnt_fini(&r->gnt);
	fz_check(rte_mempool_in_use_count(tx_mp) == 0, "%u mbufs leaked",
		 rte_mempool_in_use_count(tx_mp));
}

static void tx_step(struct tx_run *r, struct fz_in *in)
{
	uint8_t op = fz_u8(in) % OP_NB, raw[sizeof(netif_tx_request_t)];

	switch (op) {
	case OP_RAW:
		fz_bytes(in, raw, sizeof(raw));
		tx_put_slot(r, raw);
		break;
	case OP_REQ:
		tx_op_req(r, in);
		break;
	case OP_EXTRA:
		tx_op_extra(r, in);
		break;
	case OP_PUSH:
		r->sring->req_prod = fz_u8(in) < 224 ? r->fe.req_prod_pvt :
				     r->sring->rsp_prod + fz_u32(in) % 1024;
		break;
	case OP_PAGE:
		tx_page_write(r, in);
		break;
	case OP_RSP_EVENT:
		r->sring->rsp_event = r->sring->rsp_prod + fz_u16(in);
		break;
	default: {
		uint16_t max = fz_u8(in);
		uint8_t mode = fz_u8(in) % 8;

		uint8_t fail = fz_u8(in);

		tx_burst(r, in, max, mode < 3 ? mode : 0, fail);
		break;
	}
	}
}

void fz_gtx_run(struct fz_in *in, fz_gtx_sink_fn sink, void *arg)
{
	struct tx_run r;

	if (!tx_setup(&r, in)) {
		tx_teardown(&r);
		return;
	}
	r.sink = sink;
	r.sink_arg = arg;
	for (unsigned int i = 0; i < TX_MAX_OPS && fz_more(in); i++)
		tx_step(&r, in);
	/* Drain what was posted: every request gets its answer or the queue is fatal. */
	for (unsigned int i = 0; i < 8; i++)
		tx_burst(&r, in, UINT16_MAX, 0, 0);
	tx_teardown(&r);
}
