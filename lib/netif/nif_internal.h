/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/netif: ring access helpers and the queue structs. Never included by
 * another module.
 */
#ifndef DNB_NIF_INTERNAL_H
#define DNB_NIF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* First: defines __XEN_TOOLS__ and the xen_mb/xen_wmb barriers xen/io/ring.h uses. */
#include <xenctrl.h>
#include <xen/io/netif.h>
#include <xen/grant_table.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "nif.h"

#define NIF_DEFAULT_BURST 64u
#define NIF_RX_DEFAULT_SEGS 2048u
#define NIF_TX_DEFAULT_SEGS 4096u
#define NIF_ETH_HLEN 14u
#define NIF_VLAN_HLEN 4u
#define NIF_DEFAULT_MTU 1500u
/* Smallest TX mbuf data room we accept: keeps any TCP/IP header in the first segment. */
#define NIF_TX_MIN_ROOM 1024u

/*
 * Shared-ring index access. The frontend writes req_prod; we read it once per decision
 * with acquire order (netback's rmb() before reading the requests it covers).
 */
static inline RING_IDX nif_load_idx(RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void nif_store_idx(RING_IDX *p, RING_IDX v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline bool nif_ring_bytes_ok(uint32_t bytes)
{
	return bytes >= NIF_PAGE_SIZE && bytes % NIF_PAGE_SIZE == 0 &&
	       ((bytes / NIF_PAGE_SIZE) & (bytes / NIF_PAGE_SIZE - 1)) == 0;
}

/* Per-packet state of a prepared guest-RX burst. */
struct nif_rx_pkt {
	struct rte_mbuf *m;
	RING_IDX first_slot;  /* ring index of its first response */
	uint16_t nb_slots;    /* data + extra slots */
	uint8_t nb_extra;     /* extra slots, right after the first data slot */
	bool has_gso;         /* a GSO extra (the first extra) */
	bool has_hash;        /* a hash extra (the last extra) */
	uint32_t first_seg;
	uint32_t nb_segs;
};

/*
 * What a guest-RX and a guest-TX queue both have: the shared ring's bookkeeping, the
 * prepared burst and its grant-copy batch. Embedded first, as h, in struct nif_rxq and
 * struct nif_txq; nif_queue.c and the inlines below are written once against it. (Linux
 * xen-netback keeps both directions in one struct xenvif_queue. Ours are two objects, so
 * one lcore can own each, and the back ring stays in them: its type differs by direction.)
 */
struct nif_queue {
	uint32_t ring_size;          /* RING_SIZE of the direction's back ring */
	struct nif_ring_pos attach;  /* the shared indices found at create */
	uint16_t domid;              /* the guest: the foreign side of every segment */
	uint16_t max_burst;          /* packets one prepare stages at most */
	uint32_t max_segs;           /* entries of segs */
	int socket_id;               /* where the queue's arrays live */
	enum nif_fatal fatal;
	bool in_burst;               /* between prepare and finish */
	uint16_t nb_pkts;            /* packets of the prepared burst */
	uint32_t nb_segs;            /* segments of the prepared burst */
	nif_gcopy_seg *segs;         /* [max_segs] the burst's grant-copy batch */
};

/* What nif_queue_init() takes from either direction's conf. */
struct nif_queue_conf {
	uint32_t ring_size;          /* RING_SIZE after BACK_RING_ATTACH */
	struct nif_ring_pos attach;  /* from nif_ring_read_pos(), before the attach */
	uint16_t domid;
	uint16_t max_burst;          /* 0: NIF_DEFAULT_BURST */
	uint32_t max_segs;           /* the direction's default already applied */
	int socket_id;
};

/* nif_queue.c (control path). Fill @p h and allocate its batch. 0; -EIO when req_prod -
 * rsp_prod at attach already exceeds the ring (xenvif_map_frontend_data_rings' refusal);
 * -ENOMEM. On failure the caller still frees with nif_queue_fini(). */
int nif_queue_init(struct nif_queue *h, const struct nif_queue_conf *c);

/* A zeroed array of @p n entries of @p size bytes on the queue's socket, or NULL. */
void *nif_queue_array(const struct nif_queue *h, const char *name, uint32_t n, size_t size);

/* Free what nif_queue_init() allocated (not @p h itself). */
void nif_queue_fini(struct nif_queue *h);

/* A frontend's ring indices, each read once, rsp_prod first: where BACK_RING_ATTACH starts
 * and what nif_queue_init() checks. */
static inline struct nif_ring_pos nif_ring_read_pos(RING_IDX *req_prod, RING_IDX *rsp_prod)
{
	struct nif_ring_pos at;

	at.rsp_prod = nif_load_idx(rsp_prod);
	at.req_prod = nif_load_idx(req_prod);
	return at;
}

/*
 * The start both nif_rxq_create() and nif_txq_create() share (xenvif_init_queue and the
 * ring half of xenvif_map_frontend_data_rings): allocate @p q zeroed on @p conf's socket,
 * read the frontend's indices once, attach q->ring at them and fill q->h, the batch sized
 * by conf->max_copy_segs or else @p default_segs. Sets @p rc to 0; to -ENOMEM with q NULL;
 * or to nif_queue_init()'s error with q set, which the caller then frees. A macro only
 * because q->ring's type differs by direction, as BACK_RING_ATTACH is one.
 */
#define NIF_QUEUE_CREATE(q, conf, name, default_segs, rc) do { \
	struct nif_ring_pos nif_at_; \
	(q) = rte_zmalloc_socket((name), sizeof(*(q)), RTE_CACHE_LINE_SIZE, (conf)->socket_id); \
	if ((q) == NULL) { \
		(rc) = -ENOMEM; \
		break; \
	} \
	nif_at_ = nif_ring_read_pos(&(conf)->sring->req_prod, &(conf)->sring->rsp_prod); \
	BACK_RING_ATTACH(&(q)->ring, (conf)->sring, nif_at_.rsp_prod, (conf)->ring_bytes); \
	(rc) = nif_queue_init(&(q)->h, &(struct nif_queue_conf){ \
		.ring_size = RING_SIZE(&(q)->ring), .attach = nif_at_, .domid = (conf)->domid, \
		.max_burst = (conf)->max_burst, .socket_id = (conf)->socket_id, \
		.max_segs = (conf)->max_copy_segs != 0 ? (conf)->max_copy_segs : (default_segs), \
	}); \
} while (0)

/* Mbufs an unfinished burst still holds: what a free must release. */
static inline uint16_t nif_queue_held(const struct nif_queue *h)
{
	return h->in_burst ? h->nb_pkts : 0;
}

/* Open a burst. false: one is still open (a second prepare without finish). */
static inline bool nif_queue_begin(struct nif_queue *h)
{
	if (h->in_burst)
		return false;
	h->in_burst = true;
	h->nb_pkts = 0;
	h->nb_segs = 0;
	return true;
}

/* The open burst's batch (see nif_rx_gcopy_segs()). */
static inline uint32_t nif_queue_batch(struct nif_queue *h, nif_gcopy_seg **segs)
{
	*segs = h->segs;
	return h->in_burst ? h->nb_segs : 0;
}

/*
 * Whether every grant-copy segment of one packet, segs[first, first + n), succeeded, given
 * the batch call's return @p copy_rc (< 0: the whole batch was refused).
 */
static inline bool nif_queue_copied(const struct nif_queue *h, uint32_t first, uint32_t n,
				    int copy_rc)
{
	if (copy_rc < 0)
		return false;
	for (uint32_t s = first; s < first + n; s++)
		if (h->segs[s].status != GNTST_okay)
			return false;
	return true;
}

/*
 * Close the burst, counting a non-empty batch in @p gcopy_batches (the direction's stats).
 * true: it consumed requests, so the caller pushes their responses (NIF_PUSH_RESPONSES).
 */
static inline bool nif_queue_end(struct nif_queue *h, uint64_t *gcopy_batches)
{
	bool consumed = h->nb_pkts != 0;

	if (h->nb_segs != 0)
		(*gcopy_batches)++;
	h->in_burst = false;
	h->nb_pkts = 0;
	h->nb_segs = 0;
	return consumed;
}

/*
 * Answer every consumed request of back ring @p r (either direction: Xen's ring macros are
 * typeless, so this is one too) and set *@p notify when the frontend asked to be told.
 */
#define NIF_PUSH_RESPONSES(r, notify) do { \
	int nif_do_notify_; \
	(r)->rsp_prod_pvt = (r)->req_cons; \
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY((r), nif_do_notify_); \
	*(notify) = nif_do_notify_ != 0; \
} while (0)

struct nif_rxq {
	struct nif_queue h;          /* first: what both directions share */
	netif_rx_back_ring_t ring;   /* private: req_cons, rsp_prod_pvt; sring shared */
	struct nif_rx_features feat;
	enum nif_layout layout;
	uint16_t headroom;           /* first slot's data offset (the frontend's xdp-headroom) */
	uint32_t max_frame;          /* MTU + Ethernet + VLAN header */
	struct nif_hash hash;        /* hash extras: nif_rxq_set_hash */
	const struct nif_mcast *mcast; /* the vif's multicast filter, or NULL */
	bool hashing;                /* hash.alg is Toeplitz and hash.flags not 0 */
	struct nif_rx_stats stats;
	struct nif_rx_pkt *pkts;     /* [max_burst] */
	netif_rx_response_t *rsp;    /* [ring_size] pending responses, by ring index */
};

/* Per-packet state of a prepared guest-TX burst. */
struct nif_tx_pkt {
	struct rte_mbuf *m;          /* NULL: error or multicast-control request */
	RING_IDX first_slot;
	uint16_t nb_slots;           /* all consumed slots, extras included */
	int16_t status;              /* response status when m == NULL */
	uint16_t txflags;            /* NETTXF_* of the first slot */
	uint8_t gso_type;            /* XEN_NETIF_GSO_TYPE_*, NONE if no GSO extra */
	uint16_t gso_size;
	bool has_hash;
	uint32_t hash;
	uint32_t first_seg;
	uint32_t nb_segs;
};

/* nif_tx_credit.c: the guest's TX rate (xen-netback's credit scheduler). bytes 0: none. */
struct nif_tx_credit {
	uint64_t bytes;              /* credit per window */
	uint64_t window_tsc;         /* the window */
	uint64_t remaining;          /* credit left */
	uint64_t window_start;       /* TSC */
	uint64_t timer_at;           /* netback's credit_timeout: no packet before it */
	bool timer_armed;
	RING_IDX held_slot;          /* req_cons + 1 of the packet counted as held */
};

struct nif_txq {
	struct nif_queue h;          /* first: what both directions share */
	netif_tx_back_ring_t ring;
	struct rte_mempool *mp;
	uint16_t mbuf_room;          /* data bytes one mbuf takes */
	struct nif_tx_stats stats;
	struct nif_tx_pkt *pkts;     /* [max_burst] */
	uint16_t *rsp_id;            /* [ring_size] request id by ring index */
	bool *rsp_null;              /* [ring_size] extra-info slot: NETIF_RSP_NULL */
	struct nif_mcast *mcast;     /* the vif's list (conf) or own_mcast */
	struct nif_mcast own_mcast;
	struct nif_tx_credit credit;
};

/* A packet of @p size bytes at req_cons: false when it may go (its credit taken), true when
 * it must wait (leave its requests on the ring; counted). */
bool nif_tx_credit_wait(struct nif_txq *q, uint32_t size);

/* nif_rx_layout.c: where a packet's bytes go in the guest's pages. */
struct nif_rx_sink {
	nif_gcopy_seg *segs;          /* NULL: only count */
	const grant_ref_t *grefs;     /* gref of each data slot */
	uint16_t domid;
	uint16_t *slot_sizes;         /* bytes per data slot (may be NULL) */
	uint16_t max_slots;           /* entries of slot_sizes/grefs */
};

/* Data slots of @m (or -EINVAL), and in *nb_segs the copy segments; fills @sink if given.
 * The first slot's data starts at @headroom (<= NIF_RX_HEADROOM_MAX). */
int nif_rx_walk(const struct rte_mbuf *m, enum nif_layout layout, uint16_t headroom,
		const struct nif_rx_sink *sink, uint32_t *nb_segs);

/* nif_rx_offload.c: first-slot flags and GSO extra of a guest-RX packet. */
enum nif_rx_verdict {
	NIF_RX_OK = 0,
	NIF_RX_DROP_OVERSIZE,
	NIF_RX_DROP_NO_GSO,
	NIF_RX_DROP_BAD_GSO,
	NIF_RX_DROP_NO_CSUM,
};

enum nif_rx_verdict nif_rx_offload(const struct nif_rxq *q, const struct rte_mbuf *m,
				   uint16_t *flags, netif_extra_info_t *gso, bool *has_gso);

/* Most extra slots a guest-RX packet carries: GSO, then hash. */
#define NIF_RX_MAX_EXTRAS 2u

/* nif_tx_offload.c: offload metadata of a delivered guest-TX mbuf. 0 or -EINVAL (drop). */
int nif_tx_offload_setup(struct nif_txq *q, struct rte_mbuf *m, const struct nif_tx_pkt *p);

/* nif_tx_parse.c: the request-validation half of guest TX. */
struct nif_tx_req_set {
	netif_tx_request_t first;    /* first slot; size = its own bytes after counting */
	uint32_t total;              /* whole packet bytes (first.size as the guest gave it) */
	netif_extra_info_t extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
	uint16_t nb_extras;
	uint16_t nb_frags;           /* follow-up data slots */
	netif_tx_request_t frags[NIF_MAX_DATA_SLOTS];
};

enum nif_tx_verdict {
	NIF_TX_EMPTY = 0,    /* no request waiting */
	NIF_TX_PACKET,       /* a valid packet: build it */
	NIF_TX_MCAST,        /* a multicast-control request: respond only */
	NIF_TX_ERROR,        /* a bad packet: RSP_ERROR on all its slots */
	NIF_TX_FATAL,        /* protocol violation: q->h.fatal is set */
};

/*
 * Read (without consuming) the next packet's requests at req_cons. @slots gets the number
 * of ring slots the packet spans (what to consume). Counters for error causes are bumped.
 */
enum nif_tx_verdict nif_tx_parse(struct nif_txq *q, struct nif_tx_req_set *rs,
				 uint16_t *slots);

void nif_tx_set_fatal(struct nif_txq *q, enum nif_fatal reason);

#endif /* DNB_NIF_INTERNAL_H */
