/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_nif_ctrl: lib/netif's control ring (xen-netback's process_ctrl_request and hash.c, the
 * ring the Windows PV drivers' RSS uses) against a hostile frontend. The input is a script:
 * requests of any type with any data (hash algorithm, flags, key and mapping with grefs some
 * granted and some not, sizes, offsets and lengths past every bound), raw ring slots, bytes of
 * the granted key/mapping pages, req_prod values (past the ring: fatal), a grant copy that may
 * fail a segment, and polls with a budget.
 *
 * Invariants after each poll: nothing is served once the ring is fatal; requests answered =
 * responses pushed = ctrl_requests, at most the budget; each response carries its request's
 * id and type, in order, and a status of SUCCESS, NOT_SUPPORTED or INVALID_PARAMETER; the
 * published hashing state (nif_ctrl_hash_read) has a known algorithm, a mapping of at most
 * NIF_HASH_MAPPING_MAX entries each below the connected queues (XSA-270) and no key byte
 * past what SET_HASH_KEY may set. Grant copies only read granted pages within [0, 4096)
 * (fuzz_gnt.c applies Xen's rules) and write at most a page on the backend's side.
 */
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xen/io/netif.h>

#include <rte_errno.h>

#include "fuzz_common.h"
#include "fuzz_gnt.h"
#include "nif.h"

#define CTRL_MAX_OPS 96u

enum ctrl_op { OP_REQ, OP_RAW, OP_PUSH, OP_PAGE, OP_FAIL, OP_POLL, OP_NB };

struct ctrl_run {
	struct fz_gnt gnt;
	struct xen_netif_ctrl_sring *sring;
	xen_netif_ctrl_front_ring_t fe;
	struct nif_ctrl *c;
	uint16_t nb_queues;
	RING_IDX answered;      /* responses checked so far (the frontend's rsp_cons) */
	bool fatal;
	struct nif_hash hash;   /* the last published state */
	uint32_t gen;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	return 0;
}

/* The backend's side of a key or mapping copy: its own buffer of at most a page (its
 * address is lib/netif's; fuzz_gnt.c checks the guest's side against Xen's rules). */
static bool ctrl_local_ok(const void *virt, uint16_t len, void *arg)
{
	(void)arg;
	return virt != NULL && len <= NIF_PAGE_SIZE;
}

static int ctrl_gcopy(void *arg, uint32_t count, nif_gcopy_seg *segs)
{
	struct ctrl_run *r = arg;

	return fz_gnt_copy(&r->gnt, segs, count, ctrl_local_ok, r);
}

/* One request of any type: the types netif.h defines and a few it does not. */
static void ctrl_request(struct ctrl_run *r, struct fz_in *in)
{
	struct xen_netif_ctrl_request *req = RING_GET_REQUEST(&r->fe, r->fe.req_prod_pvt);

	req->id = fz_u16(in);
	req->type = (uint16_t)(fz_u8(in) % 13);
	for (unsigned int i = 0; i < 3; i++) {
		uint32_t v = fz_u32(in);

		/* mostly small values (grefs, sizes, offsets), sometimes any */
		req->data[i] = (fz_u8(in) & 3) != 0 ? v % 300 : v;
	}
	r->fe.req_prod_pvt++;
}

static void ctrl_check_published(struct ctrl_run *r)
{
	if (!nif_ctrl_hash_read(r->c, &r->hash, &r->gen))
		return;
	fz_check(r->hash.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE ||
		 r->hash.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, "algorithm %u", r->hash.alg);
	fz_check(r->hash.size <= NIF_HASH_MAPPING_MAX, "mapping size %u", r->hash.size);
	for (uint32_t i = 0; i < r->hash.size; i++)
		fz_check(r->hash.mapping[i] < r->nb_queues, "mapping[%u] = %u with %u queues", i,
			 r->hash.mapping[i], r->nb_queues);
}

/* Poll with a budget and check every response pushed since the last against the request
 * the backend read from that slot (a copy of the ring taken before the poll). */
static void ctrl_poll(struct ctrl_run *r, unsigned int budget)
{
	static uint8_t snap[NIF_PAGE_SIZE] __attribute__((aligned(64)));
	const struct xen_netif_ctrl_sring *was = (const void *)snap;
	RING_IDX before = r->sring->rsp_prod;
	uint64_t served_before = nif_ctrl_stats(r->c)->ctrl_requests;
	bool notify = false;
	int n;

	memcpy(snap, r->sring, NIF_PAGE_SIZE);
	n = nif_ctrl_poll(r->c, budget, &notify);

	if (r->fatal) {
		fz_check(n == -EIO && r->sring->rsp_prod == before, "served after fatal");
		return;
	}
	if (n < 0) {
		fz_check(n == -EIO && nif_ctrl_fatal(r->c) != NIF_FATAL_NONE, "poll %d", n);
		r->fatal = true;
		return;
	}
	fz_check((unsigned int)n <= budget, "%d served, budget %u", n, budget);
	fz_check(r->sring->rsp_prod - before == (RING_IDX)n, "%u pushed, %d served",
		 r->sring->rsp_prod - before, n);
	fz_check(nif_ctrl_stats(r->c)->ctrl_requests - served_before == (uint64_t)n,
		 "ctrl_requests moved by %lu, %d served",
		 (unsigned long)(nif_ctrl_stats(r->c)->ctrl_requests - served_before), n);
	for (; r->answered != r->sring->rsp_prod; r->answered++) {
		unsigned int slot = r->answered & (RING_SIZE(&r->fe) - 1);
		const struct xen_netif_ctrl_request *req = &was->ring[slot].req;
		const struct xen_netif_ctrl_response *rsp = RING_GET_RESPONSE(&r->fe, r->answered);

		fz_check(rsp->id == req->id && rsp->type == req->type,
			 "response %u: id %u type %u for request id %u type %u", r->answered,
			 rsp->id, rsp->type, req->id, req->type);
		fz_check(rsp->status == XEN_NETIF_CTRL_STATUS_SUCCESS ||
			 rsp->status == XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED ||
			 rsp->status == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER,
			 "status %u", rsp->status);
	}
	r->fe.rsp_cons = r->answered;
	ctrl_check_published(r);
}

static void ctrl_op(struct ctrl_run *r, struct fz_in *in)
{
	switch (fz_u8(in) % OP_NB) {
	case OP_REQ:
		ctrl_request(r, in);
		break;
	case OP_RAW: /* bytes straight into a slot the frontend owns, or not */
		fz_bytes(in, RING_GET_REQUEST(&r->fe, r->fe.req_prod_pvt + (fz_u8(in) & 3)),
			 sizeof(struct xen_netif_ctrl_request));
		break;
	case OP_PUSH: /* req_prod: pushed as is, or anything (past the ring is fatal) */
		if ((fz_u8(in) & 7) == 0)
			r->sring->req_prod = r->sring->rsp_prod + fz_u16(in);
		else
			RING_PUSH_REQUESTS(&r->fe);
		break;
	case OP_PAGE: /* the key or mapping bytes the guest grants */
		fz_bytes(in, r->gnt.page[fz_u8(in) % FZ_GNT_PAGES] + (fz_u16(in) % NIF_PAGE_SIZE & ~63u),
			 64);
		break;
	case OP_FAIL:
		r->gnt.fail_seg = (fz_u8(in) & 1) ? 0 : FZ_NO_FAIL;
		r->gnt.fail_status = (int16_t)-(int)(1 + fz_u8(in) % 12);
		break;
	default:
		ctrl_poll(r, 1 + fz_u8(in) % 16);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrl_run r = {.nb_queues = 0};
	struct nif_ctrl_conf conf = {.ring_bytes = NIF_PAGE_SIZE, .domid = FZ_DOMID,
				     .gcopy = ctrl_gcopy, .socket_id = SOCKET_ID_ANY};
	struct fz_in in;

	fz_in_init(&in, data, size);
	r.nb_queues = (uint16_t)(1 + fz_u8(&in) % 8);
	r.sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	fz_check(r.sring != NULL, "ring page");
	memset(r.sring, 0, NIF_PAGE_SIZE);
	SHARED_RING_INIT(r.sring);
	FRONT_RING_INIT(&r.fe, r.sring, NIF_PAGE_SIZE);
	fz_gnt_init(&r.gnt);
	conf.sring = r.sring;
	conf.nb_queues = r.nb_queues;
	conf.gcopy_arg = &r;
	r.c = nif_ctrl_create(&conf);
	fz_check(r.c != NULL, "create: %d", rte_errno);
	for (unsigned int op = 0; op < CTRL_MAX_OPS && fz_more(&in); op++)
		ctrl_op(&r, &in);
	ctrl_poll(&r, 64);
	nif_ctrl_free(r.c);
	fz_gnt_fini(&r.gnt);
	free(r.sring);
	return 0;
}
