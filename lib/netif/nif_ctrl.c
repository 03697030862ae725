/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control ring (netif.h "Control ring"), backend side: xen-netback's
 * xenvif_ctrl_action / process_ctrl_request (netback.c) and the hash setters of hash.c
 * (xenvif_set_hash_alg, _flags, _key, _mapping_size, _mapping). Each request is copied out
 * of the shared page once and answered once, in order, a bounded number per poll.
 *
 * Unlike netback's first version, a key or mapping is grant-copied into a staging page and
 * checked there: a failed copy or a bad entry leaves the state as it was (netback's later
 * fix of SET_HASH_MAPPING, which checked the table before copying it, does the same).
 *
 * The state is the control thread's; another thread (the datapath) reads a published copy
 * under a sequence counter (nif_ctrl_hash_read), so it never sees half of a change.
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "nif_internal.h"

struct nif_ctrl {
	xen_netif_ctrl_back_ring_t ring;
	uint32_t ring_size;
	uint16_t domid;
	uint16_t nb_queues;
	nif_gcopy_fn gcopy;
	void *gcopy_arg;
	enum nif_fatal fatal;
	struct nif_ctrl_stats stats;
	struct nif_hash hash;          /* the control thread's state */
	uint32_t seq;                  /* odd while pub is being written */
	struct nif_hash pub;           /* what nif_ctrl_hash_read copies */
	uint8_t page[NIF_PAGE_SIZE];   /* the frontend's key or mapping page, copied */
};

struct nif_ctrl *nif_ctrl_create(const struct nif_ctrl_conf *conf)
{
	struct nif_ctrl *c;
	RING_IDX rsp_prod, req_prod;

	if (conf == NULL || conf->sring == NULL || conf->gcopy == NULL ||
	    conf->ring_bytes != NIF_PAGE_SIZE || conf->nb_queues == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	c = rte_zmalloc_socket("nif_ctrl", sizeof(*c), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	/* As xenvif_connect_ctrl: attach at rsp_prod, refuse an impossible ring. */
	rsp_prod = nif_load_idx(&conf->sring->rsp_prod);
	req_prod = nif_load_idx(&conf->sring->req_prod);
	BACK_RING_ATTACH(&c->ring, conf->sring, rsp_prod, conf->ring_bytes);
	c->ring_size = RING_SIZE(&c->ring);
	if (req_prod - rsp_prod > c->ring_size) {
		rte_free(c);
		rte_errno = EIO;
		return NULL;
	}
	c->domid = conf->domid;
	c->nb_queues = conf->nb_queues;
	c->gcopy = conf->gcopy;
	c->gcopy_arg = conf->gcopy_arg;
	return c;
}

void nif_ctrl_free(struct nif_ctrl *c)
{
	rte_free(c);
}

/* Copy @p len bytes (at most a page) from the start of the frontend's page @p gref. */
static bool copy_from_guest(struct nif_ctrl *c, uint32_t gref, uint32_t len)
{
	nif_gcopy_seg seg = {
		.source.foreign = { .ref = gref, .offset = 0, .domid = c->domid },
		.dest.virt = c->page,
		.len = (uint16_t)len,
		.flags = GNTCOPY_source_gref,
	};

	if (c->gcopy(c->gcopy_arg, 1, &seg) < 0 || seg.status != GNTST_okay) {
		c->stats.ctrl_gcopy_err++;
		return false;
	}
	return true;
}

/* xenvif_set_hash_alg */
static uint32_t set_hash_alg(struct nif_ctrl *c, uint32_t alg)
{
	if (alg != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE &&
	    alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	c->hash.alg = alg;
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

#define NIF_HASH_TYPES (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | \
			XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

/* xenvif_get_hash_flags */
static uint32_t get_hash_flags(const struct nif_ctrl *c, uint32_t *data)
{
	if (c->hash.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
		return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
	*data = NIF_HASH_TYPES;
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* xenvif_set_hash_flags */
static uint32_t set_hash_flags(struct nif_ctrl *c, uint32_t flags)
{
	if ((flags & ~NIF_HASH_TYPES) != 0 || c->hash.alg == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	c->hash.flags = flags;
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* xenvif_set_hash_key: a longer key is INVALID_PARAMETER, as netback answers it. */
static uint32_t set_hash_key(struct nif_ctrl *c, uint32_t gref, uint32_t len)
{
	if (len > NIF_HASH_KEY_SIZE)
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	if (len != 0 && !copy_from_guest(c, gref, len))
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	memset(c->hash.key, 0, sizeof(c->hash.key)); /* octets not given are zero */
	memcpy(c->hash.key, c->page, len);
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* xenvif_set_hash_mapping_size: the new table is all zeros. */
static uint32_t set_mapping_size(struct nif_ctrl *c, uint32_t size)
{
	if (size > NIF_HASH_MAPPING_MAX)
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	c->hash.size = size;
	memset(c->hash.mapping, 0, sizeof(c->hash.mapping));
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* xenvif_set_hash_mapping: entries [off, off + len) from the frontend's page. */
static uint32_t set_mapping(struct nif_ctrl *c, uint32_t gref, uint32_t len, uint32_t off)
{
	uint32_t entries[NIF_HASH_MAPPING_MAX];

	if (off + len < off || off + len > c->hash.size ||
	    len > NIF_PAGE_SIZE / sizeof(uint32_t))
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	if (len == 0)
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	if (!copy_from_guest(c, gref, len * sizeof(uint32_t)))
		return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	memcpy(entries, c->page, len * sizeof(uint32_t));
	for (uint32_t i = 0; i < len; i++)
		if (entries[i] >= c->nb_queues)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
	memcpy(&c->hash.mapping[off], entries, len * sizeof(uint32_t));
	return XEN_NETIF_CTRL_STATUS_SUCCESS;
}

/* process_ctrl_request: @return the status; *data the response's data. */
static uint32_t ctrl_dispatch(struct nif_ctrl *c, const struct xen_netif_ctrl_request *req,
			      uint32_t *data)
{
	switch (req->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		return set_hash_alg(c, req->data[0]);
	case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
		return get_hash_flags(c, data);
	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		return set_hash_flags(c, req->data[0]);
	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
		return set_hash_key(c, req->data[0], req->data[1]);
	case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
		*data = NIF_HASH_MAPPING_MAX;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		return set_mapping_size(c, req->data[0]);
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
		return set_mapping(c, req->data[0], req->data[1], req->data[2]);
	default:
		return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
	}
}

/* One request at req_cons: copied once, answered at rsp_prod_pvt. */
static void ctrl_serve_one(struct nif_ctrl *c)
{
	struct xen_netif_ctrl_request req;
	struct xen_netif_ctrl_response *rsp;
	uint32_t data = 0, status;

	RING_COPY_REQUEST(&c->ring, c->ring.req_cons, &req);
	c->ring.req_cons++;
	status = ctrl_dispatch(c, &req, &data);
	rsp = RING_GET_RESPONSE(&c->ring, c->ring.rsp_prod_pvt);
	rsp->id = req.id;
	rsp->type = req.type;
	rsp->status = status;
	rsp->data = data;
	c->ring.rsp_prod_pvt++;
	c->stats.ctrl_requests++;
	c->stats.ctrl_not_supported += status == XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
	c->stats.ctrl_invalid += status == XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
}

/* Publish the state for nif_ctrl_hash_read: a seqlock's write side. */
static void ctrl_publish(struct nif_ctrl *c)
{
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&c->pub, &c->hash, sizeof(c->pub));
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
}

int nif_ctrl_poll(struct nif_ctrl *c, unsigned int budget, bool *notify)
{
	unsigned int done = 0;
	int more = 0, do_notify = 0;

	*notify = false;
	while (c->fatal == NIF_FATAL_NONE && done < budget) {
		RING_IDX prod = nif_load_idx(&c->ring.sring->req_prod);

		/* Every request is answered at once: req_cons == rsp_prod_pvt here. */
		if (prod - c->ring.rsp_prod_pvt > c->ring_size) {
			c->fatal = NIF_FATAL_IMPOSSIBLE_REQS;
			c->stats.ctrl_fatal_impossible_reqs++;
			break;
		}
		if (prod == c->ring.req_cons) {
			RING_FINAL_CHECK_FOR_REQUESTS(&c->ring, more);
			if (!more)
				break;
			continue;
		}
		while (c->ring.req_cons != prod && done < budget) {
			ctrl_serve_one(c);
			done++;
		}
	}
	if (done != 0) {
		ctrl_publish(c); /* cheap; readers copy only on a new generation */
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&c->ring, do_notify);
		*notify = do_notify != 0;
	}
	return c->fatal != NIF_FATAL_NONE ? -EIO : (int)done;
}

enum nif_fatal nif_ctrl_fatal(const struct nif_ctrl *c)
{
	return c->fatal;
}

bool nif_ctrl_hash_read(const struct nif_ctrl *c, struct nif_hash *out, uint32_t *gen)
{
	uint32_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE), s2;
	struct nif_hash tmp; /* a torn copy must not reach @p out */

	if ((s1 & 1) != 0 || s1 == *gen)
		return false;
	memcpy(&tmp, &c->pub, sizeof(tmp));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	if (s1 != s2)
		return false;
	*out = tmp;
	*gen = s1;
	return true;
}

int nif_ctrl_hash_restore(struct nif_ctrl *c, const struct nif_hash *h)
{
	if ((h->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE &&
	     h->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) ||
	    (h->flags & ~NIF_HASH_TYPES) != 0 || h->size > NIF_HASH_MAPPING_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < h->size; i++)
		if (h->mapping[i] >= c->nb_queues)
			return -EINVAL;
	c->hash = *h;
	/* entries past size are zero, as set_mapping_size leaves them */
	memset(&c->hash.mapping[h->size], 0,
	       (NIF_HASH_MAPPING_MAX - h->size) * sizeof(c->hash.mapping[0]));
	ctrl_publish(c);
	return 0;
}

const struct nif_ctrl_stats *nif_ctrl_stats(const struct nif_ctrl *c)
{
	return &c->stats;
}

void nif_ctrl_stats_reset(struct nif_ctrl *c)
{
	memset(&c->stats, 0, sizeof(c->stats));
}
