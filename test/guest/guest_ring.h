/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The simulated guest's netfront ring bookkeeping: pure logic, no I/O, no hypervisor.
 *
 * "tx" and "rx" are from the guest's point of view, as in netif.h: the guest transmits on
 * the TX ring (it posts requests naming its own granted pages, the backend copies out of
 * them) and receives on the RX ring (it posts empty granted pages, the backend fills them).
 *
 * The behaviour mirrors Linux's xen-netfront:
 *  - RX: one request per ring slot, request id = ring index & (ring size - 1); responses are
 *    consumed in ring order; a packet is a chain of responses linked by NETRXF_more_data,
 *    with its extra-info slots (NETRXF_extra_info, XEN_NETIF_EXTRA_FLAG_MORE) right after
 *    the first response; every consumed slot has its grant ended before its data is read.
 *  - TX: the first request's size is the whole packet, further slots carry
 *    NETTXF_more_data, a GSO packet carries NETTXF_extra_info and one GSO extra slot right
 *    after the first request; responses with status NETIF_RSP_NULL (extra slots) are skipped.
 *
 * Everything the backend writes into the shared rings is untrusted. Each response is copied
 * out of shared memory once (RING_COPY_RESPONSE) and then validated: a bad packet is a
 * counted drop; a response that cannot exist (impossible producer index, unknown or
 * inactive id, a grant the backend still holds) marks the queue broken, as netfront's
 * "info->broken", and the queue does nothing more until it is set up again.
 *
 * Grant table access goes through struct gr_grant_ops so the logic runs in unit tests
 * without the simulated hypervisor. None of these functions allocates; all are meant for
 * one thread per queue.
 */
#ifndef DNB_GUEST_RING_H
#define DNB_GUEST_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include <xenctrl.h> /* first: defines __XEN_TOOLS__ and the barriers ring.h needs */
#include <xen/io/netif.h>

/** Xen page size: the unit of grants and of one ring slot's buffer. */
#define GR_PAGE_SIZE 4096u
/** Slots in one ring page (both rings: 256). */
#define GR_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, GR_PAGE_SIZE)
#define GR_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, GR_PAGE_SIZE)
/** Most data slots of one received packet: netfront's MAX_SKB_FRAGS + 1. */
#define GR_RX_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN
/** Largest transmitted frame: the first request's size field is 16 bits. */
#define GR_TX_MAX_FRAME XEN_NETIF_MAX_TX_SIZE
/** Most data slots of one transmitted frame (offset 0 in each page). */
#define GR_TX_MAX_DATA_SLOTS ((GR_TX_MAX_FRAME + GR_PAGE_SIZE - 1) / GR_PAGE_SIZE)
/** Bytes of a received packet copied out to parse (and fix) its headers; netfront's
 * RX_COPY_THRESHOLD. */
#define GR_RX_PULL 256u
/** Ethernet header length: frames shorter than this are dropped both ways. */
#define GR_ETH_HLEN 14u
/** Marks a buffer that is not granted. Grant reference 0 is reserved, never handed out. */
#define GR_NO_GREF (-1)

/** Grant table operations the rings need. */
struct gr_grant_ops {
	/** Grant the backend access to @p pfn. @return grant reference (> 0) or -errno. */
	int (*grant)(void *ctx, uint32_t pfn, bool readonly);
	/** End access to @p gref. @return 0, or -EBUSY while the backend still has it mapped. */
	int (*end)(void *ctx, uint32_t gref);
	void *ctx;
};

/** One page-sized buffer of a ring slot: the guest's own page and its current grant. */
struct gr_buf {
	void *page;    /**< the guest's mapping of the page */
	uint32_t pfn;  /**< page frame number inside the domain */
	int32_t gref;  /**< GR_NO_GREF while not granted */
};

/** Receive counters: one per drop cause plus totals. Written by the queue's thread only. */
struct gr_rx_stats {
	uint64_t packets;        /**< packets handed out by gr_rx_next() */
	uint64_t bytes;          /**< their frame bytes */
	uint64_t gso;            /**< of them, GSO packets */
	uint64_t csum_blank;     /**< of them, NETRXF_csum_blank (partial checksum) */
	uint64_t data_validated; /**< of them, NETRXF_data_validated only */
	uint64_t gso_fixup;      /**< GSO packets without csum_blank: pseudo checksum rebuilt */
	uint64_t errors;         /**< packets dropped, for any cause below */
	uint64_t bad_status;     /**< slot status < 0 (backend's error/dropped) */
	uint64_t bad_offset;     /**< offset + size beyond the page */
	uint64_t bad_id;         /**< response id is not the id posted at that slot */
	uint64_t too_many_slots; /**< chain longer than GR_RX_MAX_SLOTS */
	uint64_t incomplete;     /**< more_data (or extra MORE) on the last published response */
	uint64_t bad_extra;      /**< extra-info type 0 or >= XEN_NETIF_EXTRA_TYPE_MAX */
	uint64_t bad_gso;        /**< GSO size 0, unknown type, or type not matching headers */
	uint64_t unrequested;    /**< GSO, multi-slot or gso_prefix the frontend did not offer */
	uint64_t runt;           /**< shorter than an Ethernet header */
	uint64_t bad_csum_hdr;   /**< csum_blank/GSO but no TCP/UDP header found */
	uint64_t bad_prod;       /**< impossible rsp_prod: queue broken */
	uint64_t grant_busy;     /**< backend still held a consumed buffer: queue broken */
	uint64_t grant_fail;     /**< could not grant a buffer when refilling */
	uint64_t headroom;       /**< packets whose data started past offset 0 (xdp-headroom) */
};

/** Transmit counters. */
struct gr_tx_stats {
	uint64_t packets;      /**< frames posted to the ring */
	uint64_t bytes;        /**< their bytes */
	uint64_t gso;          /**< of them, with a GSO extra slot */
	uint64_t csum_blank;   /**< of them, with NETTXF_csum_blank */
	uint64_t sw_csum;      /**< checksums completed here (offload not negotiated) */
	uint64_t completed;    /**< data-slot responses consumed */
	uint64_t errors;       /**< frames dropped before posting, for any cause below */
	uint64_t runt;         /**< frame shorter than an Ethernet header */
	uint64_t oversize;     /**< frame too big for the negotiated features */
	uint64_t bad_vnet;     /**< inconsistent virtio_net_hdr (csum range, gso_size 0) */
	uint64_t unsupported;  /**< GSO type/ECN not negotiated */
	uint64_t no_space;     /**< ring or ids exhausted (caller should not have read) */
	uint64_t grant_fail;   /**< grant of a data page failed */
	uint64_t rsp_error;    /**< responses NETIF_RSP_ERROR */
	uint64_t rsp_dropped;  /**< responses NETIF_RSP_DROPPED */
	uint64_t bad_prod;     /**< impossible rsp_prod: queue broken */
	uint64_t bad_id;       /**< response id out of range or not outstanding: broken */
	uint64_t grant_busy;   /**< backend still held a completed page: broken */
};

/** Receive side of one queue. */
struct gr_rxq {
	netif_rx_front_ring_t ring;
	struct gr_buf buf[GR_RX_RING_SIZE]; /**< indexed by request id */
	struct gr_grant_ops gops;
	unsigned int fill;  /**< requests kept outstanding, 1 .. GR_RX_RING_SIZE */
	bool sg;            /**< frontend offered feature-sg: multi-slot packets allowed */
	bool gso;           /**< frontend offered feature-gso-tcpv4/6 */
	bool broken;        /**< backend violated the protocol; nothing more is consumed */
	struct gr_rx_stats st;
};

/** One received packet, ready for writev() to a TAP opened with IFF_VNET_HDR. */
struct gr_rx_pkt {
	struct virtio_net_hdr vh;   /**< little-endian fields, as tun expects on x86 */
	uint8_t hdr[GR_RX_PULL];    /**< headers copied out of the slots (hdr_len bytes) */
	uint32_t hdr_len;           /**< 0 when no header processing was needed */
	uint32_t len;               /**< frame bytes, vnet header excluded */
	unsigned int nr_iov;
	bool has_hash;              /**< a XEN_NETIF_EXTRA_TYPE_HASH slot came with it */
	uint8_t hash_type;          /**< its _XEN_NETIF_CTRL_HASH_TYPE_* */
	uint32_t hash;              /**< its value */
	/** iov[0] is vh; then hdr when hdr_len > 0; then the slot data past hdr_len. */
	struct iovec iov[2 + GR_RX_MAX_SLOTS];
};

/** Transmit side of one queue. */
struct gr_txq {
	netif_tx_front_ring_t ring;
	struct gr_buf buf[GR_TX_RING_SIZE];  /**< indexed by request id */
	bool pending[GR_TX_RING_SIZE];       /**< id posted and not yet answered */
	uint16_t free_ids[GR_TX_RING_SIZE];  /**< stack of free ids, top at nr_free - 1 */
	unsigned int nr_free;
	struct gr_grant_ops gops;
	bool sg;      /**< both sides have feature-sg: frames may span slots */
	bool gso4;    /**< GSO TCPv4 negotiated */
	bool gso6;    /**< GSO TCPv6 negotiated */
	bool csum6;   /**< backend takes IPv6 csum_blank; else completed in software */
	bool broken;
	struct gr_tx_stats st;
};

/** Features a queue's TX side may use (what both ends agreed on). */
struct gr_tx_features {
	bool sg, gso4, gso6, csum6;
};

/** Location of a packet's transport header. */
struct gr_l4 {
	uint16_t l3_off;   /**< network header offset */
	uint16_t l4_off;   /**< transport header offset: virtio csum_start */
	uint16_t l4_hlen;  /**< transport header length (TCP data offset, or 8 for UDP) */
	uint8_t proto;     /**< IPPROTO_TCP or IPPROTO_UDP */
	bool ipv6;
};

/* ---- RX ---- */

/**
 * Initialise @p q over the zeroed-or-not ring page @p sring (SHARED_RING_INIT is applied)
 * with GR_RX_RING_SIZE buffers @p bufs (copied; their gref must be GR_NO_GREF).
 * @param fill requests to keep posted, 1 .. GR_RX_RING_SIZE.
 * @return 0, or -EINVAL.
 */
int gr_rxq_init(struct gr_rxq *q, void *sring, const struct gr_buf *bufs,
		const struct gr_grant_ops *gops, unsigned int fill, bool sg, bool gso);

/**
 * Post requests until @p q->fill are outstanding, granting each buffer writable.
 * Buffers of packets returned by gr_rx_next() are reposted here: call it only after
 * those packets have been written out.
 * @param[out] notify true when the backend asked to be notified (req_event).
 * @return requests posted (>= 0), or -errno when a grant failed before any was posted.
 */
int gr_rx_refill(struct gr_rxq *q, bool *notify);

/**
 * Consume the next packet's responses. On 1, @p pkt describes the packet; its iov points
 * into the queue's buffers and stays valid until the next gr_rx_refill().
 * When the ring is empty, arms rsp_event (RING_FINAL_CHECK_FOR_RESPONSES) and returns 0.
 * @return 1 packet ready; 0 nothing to consume; -EBADMSG a packet was consumed and dropped
 *         (its cause counted; call again); -EIO the queue is broken.
 */
int gr_rx_next(struct gr_rxq *q, struct gr_rx_pkt *pkt);

/**
 * End access to every buffer still granted (teardown).
 * @return how many the backend still holds (-EBUSY grants; call again later), or 0.
 */
unsigned int gr_rx_release_all(struct gr_rxq *q);

/* ---- TX ---- */

/** Initialise @p q over ring page @p sring with GR_TX_RING_SIZE buffers. @return 0 / -EINVAL. */
int gr_txq_init(struct gr_txq *q, void *sring, const struct gr_buf *bufs,
		const struct gr_grant_ops *gops, const struct gr_tx_features *feat);

/** Most data slots one frame may take with the negotiated features (1 without sg). */
unsigned int gr_tx_max_slots(const struct gr_txq *q);

/**
 * True when a frame of the largest allowed size fits: enough free ids and free ring slots
 * (data slots plus one extra slot). The caller reads the TAP only while this holds.
 */
bool gr_tx_can_take(const struct gr_txq *q);

/**
 * Describe the pages the next frame must be read into: one iovec per page of the next
 * free ids, in the order gr_tx_post() will use them. Takes nothing.
 * @return number of iovecs written (<= @p max, <= gr_tx_max_slots()).
 */
unsigned int gr_tx_peek(const struct gr_txq *q, struct iovec *iov, unsigned int max);

/**
 * Post the frame of @p len bytes that was read into the pages returned by gr_tx_peek(),
 * with the TAP's virtio_net_hdr @p vh (little endian). Grants its pages read-only and
 * writes the requests (not yet pushed: see gr_tx_push()).
 * @return ring slots used (> 0), or a negative errno for a counted drop: -EMSGSIZE
 *         (runt/oversize), -EINVAL (bad vnet header), -EOPNOTSUPP (GSO not negotiated),
 *         -ENOSPC (ring/ids/grants exhausted), -EIO (queue broken).
 */
int gr_tx_post(struct gr_txq *q, const struct virtio_net_hdr *vh, size_t len);

/**
 * Tests only: post one single-page request as a hostile or buggy netfront could, with
 * @p flags and @p size as given and, when @p extra is not NULL, that extra-info slot after
 * it (NETTXF_extra_info is then set). The page is the next one gr_tx_peek() returns; the
 * caller wrote it. Its response is consumed by gr_tx_gc() as any other.
 * @return ring slots used (> 0), -ENOSPC (ring or ids exhausted), -EIO (broken).
 */
int gr_tx_post_raw(struct gr_txq *q, uint16_t flags, uint16_t size,
		   const netif_extra_info_t *extra);

/** Publish posted requests. @param[out] notify true when the backend wants an event. */
void gr_tx_push(struct gr_txq *q, bool *notify);

/**
 * Consume TX responses: free their ids and end their grants; arms rsp_event when done.
 * @return data-slot responses consumed (>= 0), or -EIO when the queue is (now) broken.
 */
int gr_tx_gc(struct gr_txq *q);

/** Requests posted and not yet answered. */
unsigned int gr_tx_outstanding(const struct gr_txq *q);

/** End access to the pages of every outstanding request (teardown). @return still busy. */
unsigned int gr_tx_release_all(struct gr_txq *q);

/* ---- packet headers (guest_pkt.c) ---- */

/**
 * Find the TCP/UDP header of the Ethernet frame whose first @p len bytes are @p p
 * (one 802.1Q tag, IPv4 with options, IPv6 with hop-by-hop/routing/destination options).
 * @return 0, -EPROTONOSUPPORT (not TCP/UDP over IP, or an IP fragment), -EMSGSIZE (headers
 *         cut short).
 */
int gr_l4_locate(const uint8_t *p, size_t len, struct gr_l4 *l4);

/**
 * Write into the transport checksum field the pseudo-header checksum for a transport
 * segment of @p l4_len bytes (what a CHECKSUM_PARTIAL packet carries there).
 * @pre gr_l4_locate() succeeded on @p p for @p l4.
 */
void gr_l4_set_pseudo_csum(uint8_t *p, const struct gr_l4 *l4, uint32_t l4_len);

/** Ones'-complement sum of @p len bytes at @p p, added to @p sum (not folded). */
uint64_t gr_csum_add(uint64_t sum, const uint8_t *p, size_t len, bool odd_start);

/** Fold a ones'-complement sum to 16 bits (not inverted). */
uint16_t gr_csum_fold(uint64_t sum);

#endif /* DNB_GUEST_RING_H */
