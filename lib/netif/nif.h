/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * nif: the Xen netfront/netback ring protocol (xen/io/netif.h), backend side, without any
 * Xen library call. It consumes the frontend's requests, validates them the way Linux
 * xen-netback does, plans grant-copy segments and writes the responses. The caller issues
 * the grant copies (one batch per burst, e.g. xen_hv_grant_copy()) and the event-channel
 * notifications; this library does no I/O and takes no lock.
 *
 * Direction names: "tx" and "rx" are from the GUEST's point of view, as in netif.h and
 * xen-netback. Guest RX (struct nif_rxq) carries packets from this backend into the guest;
 * guest TX (struct nif_txq) carries packets the guest sent out to this backend.
 *
 * A burst has three steps on either queue:
 *   1. nif_rx_prepare_burst() / nif_tx_prepare_burst(): consume ring requests, build the
 *      grant-copy batch (nothing is written to the shared ring yet);
 *   2. the caller copies: nif_*_gcopy_segs() gives the batch, the caller issues it once;
 *   3. nif_rx_finish_burst() / nif_tx_finish_burst(): read each segment's status, write one
 *      response per consumed request, push them and say whether to notify the frontend.
 * Every prepare must be followed by exactly one finish before the next prepare.
 *
 * Threading: a queue is used by one lcore at a time. Hot-path functions (prepare, gcopy_segs,
 * finish, stats) neither allocate (except rte_pktmbuf_alloc_bulk on the caller's pool) nor
 * lock nor log. _create/_free are control-path calls.
 *
 * Untrusted input: every field of the shared ring is read exactly once into a local copy
 * before it is checked or used. A protocol violation makes the queue "fatal": it stops
 * consuming, nif_*q_fatal() returns the reason, and the caller must disable the vif (as
 * xen-netback's xenvif_fatal_tx_err does). A malformed packet is answered with
 * NETIF_RSP_ERROR, dropped and counted.
 */
#ifndef DNB_NIF_H
#define DNB_NIF_H

#include <stdbool.h>
#include <stdint.h>

#include <xengnttab.h> /* only for the grant-copy segment type; no libxengnttab call */

#include <rte_mbuf.h>
#include <rte_mempool.h>

struct netif_rx_sring;
struct netif_tx_sring;
struct nif_mcast;

/**
 * A shared ring's indices as a queue found them when it attached. A backend attaches at
 * rsp_prod (BACK_RING_ATTACH), so after a restart the requests in [rsp_prod, req_prod) are
 * served afresh: guest-TX packets a dead backend may already have sent go out again (once
 * more at most), guest-RX buffers it may have filled are filled again. Never anything the
 * guest saw a response for.
 */
struct nif_ring_pos {
	uint32_t req_prod;
	uint32_t rsp_prod;
};

/** One grant-copy segment: libxengnttab's type (the same as drivers/xen's xen_gcopy_seg). */
typedef xengnttab_grant_copy_segment_t nif_gcopy_seg;

/** Xen's page size: ring pages, grant-copy segments and guest RX buffers are this size. */
#define NIF_PAGE_SIZE 4096u

/**
 * Most data slots (netif.h XEN_NETIF_NR_SLOTS_MIN): the most a guest-RX packet may use
 * with feature-sg, and the most follow-up slots a guest-TX packet may use after its first
 * (so up to 19 in all, as xen-netback accepts).
 */
#define NIF_MAX_DATA_SLOTS 18u

/**
 * A guest TX packet using more request slots than this is a protocol violation
 * (xen-netback's fatal_skb_slots default). Counted without the first slot, as netback does.
 */
#define NIF_TX_FATAL_SLOTS 20u

/** Why a queue stopped. Anything but NIF_FATAL_NONE means: disable this vif. */
enum nif_fatal {
	NIF_FATAL_NONE = 0,
	NIF_FATAL_IMPOSSIBLE_REQS,  /**< req_prod - req_cons (or - rsp_prod) exceeds the ring */
	NIF_FATAL_MISSING_EXTRA,    /**< NETTXF_extra_info/EXTRA_FLAG_MORE but no slot follows */
	NIF_FATAL_BAD_EXTRA_TYPE,   /**< extra info type 0 or >= XEN_NETIF_EXTRA_TYPE_MAX */
	NIF_FATAL_SLOTS_EXCEED_REQS,/**< NETTXF_more_data chain runs past req_prod */
	NIF_FATAL_TOO_MANY_SLOTS,   /**< more than NIF_TX_FATAL_SLOTS follow-up slots */
	NIF_FATAL_CROSS_PAGE,       /**< a slot's offset + size passes its 4 KiB page */
	NIF_FATAL_GSO_SIZE_ZERO,    /**< GSO extra info with size (MSS) 0 */
	NIF_FATAL_GSO_BAD_TYPE,     /**< GSO extra info type other than TCPV4/TCPV6 */
	NIF_FATAL_MAX
};

/** A short English name for @p reason ("impossible number of requests", ...). */
const char *nif_fatal_str(enum nif_fatal reason);

/**
 * Largest guest-RX headroom (the frontend's xdp-headroom, bytes before a packet's data in
 * its first buffer): half a page, so a first slot still holds a whole 1514-byte frame.
 */
#define NIF_RX_HEADROOM_MAX 2048u

/** How a guest-RX packet is laid out over the guest's 4 KiB receive pages. */
enum nif_layout {
	/**
	 * Default. Each page is filled completely, across mbuf segment boundaries, so a chain
	 * uses exactly the slots (count and per-slot sizes) its linearized copy would:
	 * ceil(pkt_len / 4096) data slots, all full but the last, data at offset 0.
	 */
	NIF_LAYOUT_PACKED = 0,
	/**
	 * Benchmark control only: every mbuf segment starts a new page (and a segment over
	 * 4 KiB spans as many pages as it needs), as a naive fragment-list copy would.
	 */
	NIF_LAYOUT_NAIVE,
};

/*
 * ---------------------------------------------------------------------------------------
 * Guest RX: backend -> guest
 * ---------------------------------------------------------------------------------------
 */

/** What the frontend negotiated (xenstore keys of device/vif/N) that matters to guest RX. */
struct nif_rx_features {
	bool sg;        /**< feature-sg: up to NIF_MAX_DATA_SLOTS slots a packet, else 1 */
	bool gso_tcpv4; /**< feature-gso-tcpv4 */
	bool gso_tcpv6; /**< feature-gso-tcpv6 */
	bool csum_ipv4; /**< NOT feature-no-csum-offload (absent key = true) */
	bool csum_ipv6; /**< feature-ipv6-csum-offload */
	/**
	 * feature-rx-notify. When set, a burst that stops for lack of requests arms req_event
	 * so the frontend kicks us when enough are posted. A polling caller may ignore kicks.
	 */
	bool rx_notify;
	uint16_t mtu;   /**< the vif's MTU in bytes (IP packet); 0 means 1500 */
};

struct nif_rxq_conf {
	struct netif_rx_sring *sring; /**< the frontend's RX ring page, mapped writable */
	uint32_t ring_bytes;          /**< bytes mapped at @c sring (NIF_PAGE_SIZE per page) */
	uint16_t domid;               /**< the guest: dest.foreign.domid of every segment */
	struct nif_rx_features features;
	enum nif_layout layout;
	/** The frontend's xdp-headroom: each packet's data starts this far into its first
	 *  buffer (response offset), 0..NIF_RX_HEADROOM_MAX. See nif_rxq_set_headroom(). */
	uint16_t headroom;
	uint16_t max_burst;           /**< most packets one prepare takes; 0 = 64 */
	uint32_t max_copy_segs;       /**< grant-copy batch capacity in segments; 0 = 2048 */
	int socket_id;                /**< NUMA socket for the queue's memory (SOCKET_ID_ANY ok) */
	/** The vif's multicast filter (not owned; outlives the queue): a frame it filters
	 *  (nif_mcast_filtered) is dropped, counted rx_mcast_filtered. NULL: none. */
	const struct nif_mcast *mcast;
};

/** Per-queue guest-RX counters. Written only by the lcore using the queue. */
struct nif_rx_stats {
	uint64_t rx_packets;             /**< packets delivered (responses OK) */
	uint64_t rx_bytes;               /**< bytes of those packets */
	uint64_t rx_slots;               /**< ring slots consumed, extra-info slots included */
	uint64_t rx_gso;                 /**< packets delivered with a GSO extra slot */
	uint64_t rx_hash;                /**< packets delivered with a hash extra slot */
	uint64_t rx_csum_blank;          /**< packets flagged NETRXF_csum_blank */
	uint64_t rx_data_validated;      /**< packets flagged NETRXF_data_validated only */
	uint64_t rx_drop_too_many_slots; /**< needed more data slots than the frontend takes */
	uint64_t rx_drop_no_gso;         /**< over MTU, GSO flagged, frontend lacks that GSO */
	uint64_t rx_drop_bad_gso;        /**< GSO needed but no MSS (tso_segsz 0) or no TCP/IP */
	uint64_t rx_drop_oversize;       /**< over MTU and not a TSO/LRO packet */
	uint64_t rx_mcast_filtered;      /**< multicast not on the guest's list (nif_mcast) */
	uint64_t rx_drop_no_csum;        /**< partial checksum, frontend lacks csum offload */
	uint64_t rx_drop_bad_mbuf;       /**< empty packet or pkt_len != sum of data_len */
	uint64_t rx_drop_too_many_segs;  /**< needs more copy segments than a whole batch */
	uint64_t rx_gcopy_err;           /**< packets with a failed copy segment (RSP_ERROR) */
	uint64_t rx_no_slots;            /**< bursts stopped: not enough requests posted */
	uint64_t rx_fatal_impossible_reqs; /**< RX ring req_prod out of range (fatal) */
	uint64_t gcopy_segs;             /**< grant-copy segments built */
	uint64_t gcopy_batches;          /**< non-empty batches handed to the caller */
};

struct nif_rxq;

/**
 * Attach to a frontend's RX ring. The ring must already be initialised by the frontend
 * (SHARED_RING_INIT); the backend's private state starts at the ring's current rsp_prod,
 * as BACK_RING_ATTACH does.
 * @return the queue, or NULL with rte_errno: EINVAL (bad conf: NULL ring, ring_bytes not
 *         a power-of-two number of pages, max_copy_segs too small for one packet, headroom
 *         over NIF_RX_HEADROOM_MAX), EIO (req_prod - rsp_prod already exceeds the ring
 *         size), ENOMEM.
 */
struct nif_rxq *nif_rxq_create(const struct nif_rxq_conf *conf);

/** Free @p q; mbufs still held by an unfinished burst are freed. NULL is a no-op. */
void nif_rxq_free(struct nif_rxq *q);

/**
 * Step 1 of a guest-RX burst: take packets from @p pkts in order and, for each, consume
 * its ring requests and plan its grant copies.
 *
 * Per packet, in order: a packet the guest can never take is dropped, freed and counted
 * (too many slots, GSO or checksum offload the frontend lacks, oversize, malformed chain,
 * more copy segments than a whole batch). Otherwise, if the ring lacks free requests for
 * it (data slots + its extra slots: GSO, hash) or the batch is full, the burst
 * stops there (with req_event armed, netback style, when the ring was short).
 *
 * Checksum flags (first slot): an mbuf with any RTE_MBUF_F_TX_L4_MASK or
 * RTE_MBUF_F_TX_TCP_SEG flag has a partial checksum (the L4 field holds only the
 * pseudo-header sum): NETRXF_csum_blank | NETRXF_data_validated, as xen-netback does for
 * CHECKSUM_PARTIAL. Else an mbuf whose RX L4 status is RTE_MBUF_F_RX_L4_CKSUM_GOOD (and IP
 * status not BAD): NETRXF_data_validated (CHECKSUM_UNNECESSARY). Else no flag.
 * GSO: a packet longer than MTU + 18 (Ethernet + VLAN) with RTE_MBUF_F_TX_TCP_SEG or
 * RTE_MBUF_F_RX_LRO gets a XEN_NETIF_EXTRA_TYPE_GSO slot right after its first slot
 * (type TCPV4/TCPV6 from TX_IPV4/TX_IPV6 or packet_type, size = tso_segsz).
 * Hash: with nif_rxq_set_hash() on, a XEN_NETIF_EXTRA_TYPE_HASH slot follows (after the
 * GSO one, which then has XEN_NETIF_EXTRA_FLAG_MORE), as xen-netback's rx.c orders them.
 *
 * Ownership: packets [0, return) now belong to the queue (held until finish, or already
 * freed if dropped); packets [return, nb_pkts) still belong to the caller, who may retry
 * them later (holding them is the caller's bound) or free them.
 * @return packets taken. 0 when the queue is fatal or a burst is still unfinished.
 */
uint16_t nif_rx_prepare_burst(struct nif_rxq *q, struct rte_mbuf **pkts, uint16_t nb_pkts);

/**
 * The grant-copy batch of the prepared burst: @p *segs points into the queue (valid until
 * finish). Each segment: source.virt in an mbuf, dest.foreign = {gref, offset, domid},
 * flags = GNTCOPY_dest_gref, never crossing the destination's 4 KiB page.
 * @return the number of segments (0: nothing to copy, finish anyway).
 */
uint32_t nif_rx_gcopy_segs(struct nif_rxq *q, nif_gcopy_seg **segs);

/**
 * Step 3: after the caller issued the batch. @p copy_rc is the grant-copy call's return:
 * < 0 means the whole batch failed (every packet then fails). A packet with any segment
 * status != GNTST_okay gets NETIF_RSP_ERROR in all its data responses (flags kept, so
 * the frontend still walks the whole packet) and is counted in rx_gcopy_err.
 * Writes every pending response (id, offset 0, flags, status = bytes in the slot), pushes
 * them and frees the burst's mbufs.
 * @param[out] notify set true when the frontend must be notified (rsp_event crossed).
 * @return 0, or -EINVAL when no burst was prepared.
 */
int nif_rx_finish_burst(struct nif_rxq *q, int copy_rc, bool *notify);

/** NIF_FATAL_NONE, or why this queue stopped. */
enum nif_fatal nif_rxq_fatal(const struct nif_rxq *q);

/** The ring's indices when @p q attached (see struct nif_ring_pos). */
struct nif_ring_pos nif_rxq_attach_pos(const struct nif_rxq *q);

/**
 * Lay out the next packets prepared from @p headroom on (the frontend reconfigured its
 * xdp-headroom): each packet's first data slot starts at that offset in the guest's buffer,
 * its response's offset says so, and it holds NIF_PAGE_SIZE - @p headroom bytes at most.
 * While it is not 0 a packet must fit one slot and may not be GSO (Linux's netfront runs
 * its XDP program on single-slot packets and drops the rest): others are dropped and
 * counted (rx_drop_too_many_slots, rx_drop_no_gso). Packets already prepared keep their layout.
 * Only from the lcore using the queue, between bursts.
 * @return 0; -EINVAL for @p headroom over NIF_RX_HEADROOM_MAX (nothing changed); -EBUSY
 *   inside a burst (between prepare and finish).
 */
int nif_rxq_set_headroom(struct nif_rxq *q, uint16_t headroom);

/** The queue's counters (valid while the queue lives). */
const struct nif_rx_stats *nif_rxq_stats(const struct nif_rxq *q);
void nif_rxq_stats_reset(struct nif_rxq *q);

/**
 * Plan a packet's guest-RX data slots without touching any ring (pure).
 * @param headroom where the first slot's data starts (see nif_rxq_set_headroom())
 * @param[out] slot_sizes bytes per data slot, filled up to @p max_slots entries (may be NULL)
 * @param[out] nb_copy_segs grant-copy segments the packet needs (may be NULL)
 * @return the number of data slots (may exceed @p max_slots), or -EINVAL for an empty
 *         packet, a chain whose data_len sum differs from pkt_len, or a headroom over
 *         NIF_RX_HEADROOM_MAX.
 */
int nif_rx_slot_layout(const struct rte_mbuf *m, enum nif_layout layout, uint16_t headroom,
		       uint16_t *slot_sizes, uint16_t max_slots, uint32_t *nb_copy_segs);

/*
 * ---------------------------------------------------------------------------------------
 * Guest TX: guest -> backend
 * ---------------------------------------------------------------------------------------
 */

struct nif_txq_conf {
	struct netif_tx_sring *sring; /**< the frontend's TX ring page, mapped writable */
	uint32_t ring_bytes;          /**< bytes mapped at @c sring */
	uint16_t domid;               /**< the guest: source.foreign.domid of every segment */
	struct rte_mempool *mp;       /**< packet mbufs; data room >= 1024 + headroom */
	uint16_t max_burst;           /**< most packets one prepare builds; 0 = 64 */
	uint32_t max_copy_segs;       /**< batch capacity; 0 = 4096; must hold one worst packet */
	int socket_id;
	/** The vif's multicast filter, which MCAST_ADD/DEL extras change (not owned; outlives
	 *  the queue; shared with the vif's other queues). NULL: the queue keeps one of its
	 *  own (nif_txq_mcast). */
	struct nif_mcast *mcast;
};

/** Per-queue guest-TX counters. Written only by the lcore using the queue. */
struct nif_tx_stats {
	uint64_t tx_packets;             /**< packets handed to the caller */
	uint64_t tx_bytes;
	uint64_t tx_slots;               /**< request slots consumed (extra slots included) */
	uint64_t tx_gso;                 /**< packets with a GSO extra (TSO mbufs) */
	uint64_t tx_csum_blank;          /**< packets with NETTXF_csum_blank (L4 csum offload) */
	uint64_t tx_gso_csum_fixup;      /**< GSO without csum_blank: pseudo-header rewritten */
	uint64_t tx_error_rsp;           /**< packets answered NETIF_RSP_ERROR (all causes) */
	uint64_t tx_drop_too_many_slots; /**< 20..21 slots: error response (non-fatal) */
	uint64_t tx_drop_size_overflow;  /**< a slot larger than the remaining packet size */
	uint64_t tx_drop_runt;           /**< first slot shorter than an Ethernet header */
	uint64_t tx_drop_csum;           /**< csum_blank but no TCP/UDP over IPv4/IPv6 found */
	uint64_t tx_drop_bad_gso;        /**< GSO extra but headers not TCP of that IP version */
	uint64_t tx_drop_bad_hdr;        /**< offload headers too long for the mbuf's fields or
					  *   its first segment, or an MSS below NIF_GSO_MIN_MSS */
	uint64_t tx_gcopy_err;           /**< packets with a failed copy segment (RSP_ERROR) */
	uint64_t tx_no_mbuf;             /**< bursts stopped: mempool empty (requests kept) */
	uint64_t tx_rate_waits;          /**< bursts stopped: the rate's credit ran out */
	uint64_t tx_rate_held_pkts;      /**< packets that waited for credit (each once) */
	uint64_t tx_rate_held_bytes;     /**< ... and their bytes */
	uint64_t tx_mcast_add;           /**< MCAST_ADD extras accepted */
	uint64_t tx_mcast_del;           /**< MCAST_DEL extras */
	uint64_t tx_mcast_full;          /**< MCAST_ADD refused: filter full (RSP_ERROR) */
	uint64_t tx_fatal_impossible_reqs;
	uint64_t tx_fatal_missing_extra;
	uint64_t tx_fatal_bad_extra_type;
	uint64_t tx_fatal_slots_exceed_reqs;
	uint64_t tx_fatal_too_many_slots;
	uint64_t tx_fatal_cross_page;
	uint64_t tx_fatal_gso_size;
	uint64_t tx_fatal_gso_type;
	uint64_t gcopy_segs;
	uint64_t gcopy_batches;
};

struct nif_txq;

/**
 * Attach to a frontend's TX ring (see nif_rxq_create()).
 * @return the queue or NULL with rte_errno EINVAL / EIO / ENOMEM.
 */
struct nif_txq *nif_txq_create(const struct nif_txq_conf *conf);

/** Free @p q and the mbufs of an unfinished burst. NULL is a no-op. */
void nif_txq_free(struct nif_txq *q);

/**
 * Step 1 of a guest-TX burst: consume up to @p max_pkts packets' requests, validating them
 * as xen-netback's xenvif_tx_build_gops does, allocate their mbufs (chained when a packet
 * exceeds one mbuf's data room) and plan the copies (source.foreign = {gref, offset,
 * domid}, flags = GNTCOPY_source_gref, dest.virt in an mbuf).
 * Stops early, leaving requests unconsumed for a later burst, when the mempool is empty
 * (tx_no_mbuf) or the batch is full. Stops for good on a protocol violation (see
 * nif_txq_fatal()); packets consumed before it are still finished normally.
 * @return packets (including error and multicast-control requests) to finish; at most
 *         @p max_pkts and the queue's max_burst. 0 when fatal or a burst is unfinished.
 */
uint16_t nif_tx_prepare_burst(struct nif_txq *q, uint16_t max_pkts);

/** The prepared grant-copy batch (see nif_rx_gcopy_segs()). */
uint32_t nif_tx_gcopy_segs(struct nif_txq *q, nif_gcopy_seg **segs);

/**
 * Limit the guest's TX to @p bytes per @p usec, as xen-netback does with the toolstack's
 * "rate" key (credit_bytes, credit_usec; per queue): a packet larger than the credit left
 * waits on the ring for the next window, counted in tx_rate_*. @p bytes or @p usec 0:
 * unlimited (the default). Between bursts, on the lcore that polls the queue (or before).
 */
void nif_txq_set_rate(struct nif_txq *q, uint64_t bytes, uint64_t usec);

/**
 * Is a packet waiting for the rate's next window (netback's pending credit timer)? Then
 * @p tsc_at is the TSC from which it may go: a caller that sleeps wakes by then.
 */
bool nif_tx_credit_timer(const struct nif_txq *q, uint64_t *tsc_at);

/**
 * Step 3: check each packet's segment statuses (@p copy_rc < 0: all failed), set offload
 * metadata, write one response per consumed request slot (NETIF_RSP_NULL for extra-info
 * slots, as netfront's xennet_tx_buf_gc expects) and push them.
 * Offloads on delivered mbufs: NETTXF_csum_blank -> RTE_MBUF_F_TX_IPV4/IPV6 +
 * RTE_MBUF_F_TX_TCP_CKSUM/UDP_CKSUM with l2/l3/l4_len and packet_type from the headers;
 * GSO extra -> also RTE_MBUF_F_TX_TCP_SEG (+ TX_IP_CKSUM for IPv4) and tso_segsz = MSS;
 * NETTXF_data_validated alone -> RTE_MBUF_F_RX_L4_CKSUM_GOOD. A csum_blank or GSO packet
 * whose headers do not fit the mbuf's l2/l3/l4_len fields or its first segment, whose TCP
 * header is shorter than 20 bytes, or whose MSS is below NIF_GSO_MIN_MSS, is answered OKAY and dropped (tx_drop_bad_hdr), so every
 * offload length a consumer sees is the headers' true one. The L4 checksum field is left
 * as the guest wrote it (the pseudo-header sum, Linux convention: L4 length included): run
 * rte_eth_tx_prepare() before handing such an mbuf to a NIC.
 * @param[out] pkts receives the delivered mbufs (caller's from now on); room for the
 *             count nif_tx_prepare_burst() returned
 * @param[out] nb_out delivered mbufs written to @p pkts
 * @param[out] notify true when the frontend must be notified
 * @return 0, or -EINVAL when no burst was prepared.
 */
int nif_tx_finish_burst(struct nif_txq *q, int copy_rc, struct rte_mbuf **pkts,
			uint16_t *nb_out, bool *notify);

/**
 * For an interrupt-driven caller about to sleep: arm req_event for the next request and
 * re-check (RING_FINAL_CHECK_FOR_REQUESTS). @return true when requests are waiting.
 */
bool nif_tx_final_check(struct nif_txq *q);

enum nif_fatal nif_txq_fatal(const struct nif_txq *q);
/** The ring's indices when @p q attached (see struct nif_ring_pos). */
struct nif_ring_pos nif_txq_attach_pos(const struct nif_txq *q);
const struct nif_tx_stats *nif_txq_stats(const struct nif_txq *q);
/** The multicast filter @p q's MCAST extras change: the conf's, or the queue's own. */
const struct nif_mcast *nif_txq_mcast(const struct nif_txq *q);
void nif_txq_stats_reset(struct nif_txq *q);

/**
 * Smallest GSO size (MSS) accepted from a guest: Linux's TCP_MIN_SND_MSS, the least its own
 * TCP sends. Smaller is answered OKAY (the copy worked) and dropped, as tx_drop_bad_hdr.
 */
#define NIF_GSO_MIN_MSS 48u

/*
 * ---------------------------------------------------------------------------------------
 * Multicast control (netif.h "feature-multicast-control"): the frontend's list of
 * multicast addresses it wants to receive (nif_mcast.c, xen-netback's xenvif_mcast_*)
 * ---------------------------------------------------------------------------------------
 */

/** Most multicast addresses a frontend may add (xen-netback's XEN_NETBK_MCAST_MAX). */
#define NIF_MCAST_MAX 64u

/**
 * One vif's multicast filter: the addresses its frontend added with
 * XEN_NETIF_EXTRA_TYPE_MCAST_ADD (guest TX, any queue) and whether it asked for filtering
 * ("request-multicast-control"), as xen-netback's vif->fe_mcast_addr and
 * vif->multicast_control. One per vif, shared by all its queues: a guest may send an ADD on
 * any TX queue, and every guest-RX queue of the vif filters by the same list.
 *
 * Threading, without a lock: each address is one 64-bit word (its six bytes and a "used"
 * bit), changed only by one atomic compare-and-swap and never moved: an ADD claims a free
 * word, a DEL empties the word holding the address. A reader on another lcore sees each
 * word before or after a change, never half of one, so an address on the list for the whole
 * of a match is always found, however ADDs and DELs of other addresses interleave (what
 * netback's RCU list gives its readers; no grace period is needed, nothing is freed).
 * Writers on several lcores (the vif's TX queues) are safe for the same reason: a free word
 * is claimed by compare-and-swap, a full scan bounds every call. The control flag is one
 * atomic word too. Fields are private; the caller owns the memory (e.g. in its vif).
 */
struct nif_mcast {
	uint64_t slot[NIF_MCAST_MAX]; /* 0: free; else NIF_MCAST_USED | address */
	uint32_t control;             /* request-multicast-control */
	uint32_t gen;                 /* moved after every change of slot[] (nif_mcast_gen) */
};

/** Empty @p f and turn filtering off. Not concurrently with writers (a connect). */
void nif_mcast_init(struct nif_mcast *f);

/**
 * Add @p addr (6 bytes, any value: netback checks none) as xen-netback's xenvif_mcast_add:
 * an address added twice takes two entries, and each DEL removes one.
 * @return 0, or -ENOSPC when NIF_MCAST_MAX entries are in use (the frontend's request is
 *   answered NETIF_RSP_ERROR). Any lcore; hot-path safe.
 */
int nif_mcast_add(struct nif_mcast *f, const uint8_t *addr);

/**
 * Remove one entry of @p addr (xenvif_mcast_del). @return true when one was removed; an
 * address not on the list is no error (netback answers OKAY). Any lcore; hot-path safe.
 */
bool nif_mcast_del(struct nif_mcast *f, const uint8_t *addr);

/** Whether @p addr is on the list (xenvif_mcast_match). Any lcore; hot-path safe. */
bool nif_mcast_match(const struct nif_mcast *f, const uint8_t *addr);

/** Entries in use, 0..NIF_MCAST_MAX (a snapshot while writers run). */
unsigned int nif_mcast_count(const struct nif_mcast *f);

/**
 * The list's generation: it moves after each ADD, DEL (that changed the list) and init, so
 * a thread that keeps a copy elsewhere (the control thread saving it for a restart) can
 * tell it changed without comparing. Read it, then nif_mcast_list(): a change the
 * generation shows is in the list read after it; one made meanwhile moves it again.
 * Any thread.
 */
uint32_t nif_mcast_gen(const struct nif_mcast *f);

/**
 * Copy the addresses on the list into @p addrs (at most @p max, in slot order; an address
 * added twice is there twice). @return how many. Any thread (a snapshot while writers run).
 */
unsigned int nif_mcast_list(const struct nif_mcast *f, uint8_t (*addrs)[6], unsigned int max);

/**
 * Filtering on or off ("request-multicast-control", read at connect and watched while
 * connected: feature-dynamic-multicast-control). The list is kept either way, as netback
 * keeps it. Any thread.
 */
void nif_mcast_set_control(struct nif_mcast *f, bool on);
bool nif_mcast_control(const struct nif_mcast *f);

/**
 * Is @p m to be kept from the guest? True only when filtering is on, the frame's
 * destination is multicast but not broadcast (netback's PACKET_MULTICAST) and not on the
 * list: xen-netback's xenvif_start_xmit. A frame too short for a destination passes (the
 * caller's own checks drop it). Any lcore; hot-path safe.
 */
bool nif_mcast_filtered(const struct nif_mcast *f, const struct rte_mbuf *m);

/*
 * ---------------------------------------------------------------------------------------
 * Hashing (netif.h "Hash types", "Control ring"): what the frontend set over the control
 * ring, and the Toeplitz hash of a packet by it (xen-netback's hash.c)
 * ---------------------------------------------------------------------------------------
 */

/** Largest hash key (xen-netback's XEN_NETBK_MAX_HASH_KEY_SIZE, Toeplitz's 40 bytes). */
#define NIF_HASH_KEY_SIZE 40u

/**
 * Largest mapping table, in entries: what GET_HASH_MAPPING_SIZE answers (xen-netback's
 * XEN_NETBK_MAX_HASH_MAPPING_SIZE).
 */
#define NIF_HASH_MAPPING_MAX 128u

/** A vif's hashing state. Plain data: copy it freely. Zero: hashing off. */
struct nif_hash {
	uint32_t alg;    /**< XEN_NETIF_CTRL_HASH_ALGORITHM_NONE or _TOEPLITZ */
	uint32_t flags;  /**< XEN_NETIF_CTRL_HASH_TYPE_* the frontend asked for */
	uint8_t key[NIF_HASH_KEY_SIZE]; /**< zero padded past the length the frontend gave */
	uint32_t size;   /**< mapping entries; 0: queue = hash % queues (modular) */
	uint32_t mapping[NIF_HASH_MAPPING_MAX]; /**< [0, size): queue numbers, each < queues */
};

/**
 * The Toeplitz hash of @p len bytes at @p data under a NIF_HASH_KEY_SIZE-byte key. Pure.
 * @p len at most 36 (IPv6 addresses and ports, the longest input netif.h defines); bytes
 * past it are not hashed (a 40-byte key covers 36 bytes of input and no more).
 */
uint32_t nif_toeplitz(const uint8_t key[NIF_HASH_KEY_SIZE], const uint8_t *data,
		      uint32_t len);

/**
 * The hash of frame @p m under @p h, as xenvif_set_skb_hash computes it: with the
 * algorithm Toeplitz, over the source and destination addresses (and, for TCP that is not
 * a fragment, the ports) of an IPv4 or IPv6 frame, choosing the "maximal" type the flags
 * allow (IPV4_TCP over IPV4). Read from the first segment.
 * @param[out] type _XEN_NETIF_CTRL_HASH_TYPE_* (the bit number, as the hash extra carries)
 * @return true with @p hash and @p type set; false when hashing is off or no enabled type
 *         applies to the frame (no hash extra then).
 */
bool nif_hash_frame(const struct nif_hash *h, const struct rte_mbuf *m, uint32_t *hash,
		    uint8_t *type);

/**
 * The guest queue for a frame of hash @p hash when hashing is on (xenvif_select_queue;
 * with the algorithm NONE netback spreads as it likes: pkt_flow_hash): the mapping table's
 * entry hash % size when the frontend set a size, else hash % @p nb_queues. Always less
 * than @p nb_queues (an entry past it, which the control ring never stores, gives 0).
 */
uint16_t nif_hash_queue(const struct nif_hash *h, uint32_t hash, uint16_t nb_queues);

/*
 * ---------------------------------------------------------------------------------------
 * The control ring (feature-ctrl-ring): xen-netback's xenvif_ctrl_action
 * ---------------------------------------------------------------------------------------
 */

struct xen_netif_ctrl_sring;

/**
 * Grant-copy @p count segments as xengnttab_grant_copy does (per-segment status; a return
 * < 0: the whole batch refused), e.g. a wrapper of xen_hv_grant_copy(). The control ring
 * reads the frontend's key and mapping pages through it, as netback's gnttab_batch_copy.
 */
typedef int (*nif_gcopy_fn)(void *arg, uint32_t count, nif_gcopy_seg *segs);

struct nif_ctrl_conf {
	struct xen_netif_ctrl_sring *sring; /**< the frontend's control ring page, writable */
	uint32_t ring_bytes;  /**< bytes mapped at @c sring: NIF_PAGE_SIZE */
	uint16_t domid;       /**< the guest: source.foreign.domid of its key/mapping pages */
	uint16_t nb_queues;   /**< queues the frontend connected: mapping entries are below */
	nif_gcopy_fn gcopy;   /**< the grant copy; required */
	void *gcopy_arg;
	int socket_id;
};

/** Control-ring counters. Written only by the thread that polls. */
struct nif_ctrl_stats {
	uint64_t ctrl_requests;        /**< requests answered */
	uint64_t ctrl_not_supported;   /**< answered NOT_SUPPORTED (unknown type, ...) */
	uint64_t ctrl_invalid;         /**< answered INVALID_PARAMETER */
	uint64_t ctrl_gcopy_err;       /**< key or mapping copies that failed */
	uint64_t ctrl_fatal_impossible_reqs; /**< req_prod out of range (fatal) */
};

struct nif_ctrl;

/**
 * Attach to the frontend's control ring where it stands (BACK_RING_ATTACH at rsp_prod, as
 * xenvif_connect_ctrl), with hashing off.
 * @return the ring, or NULL with rte_errno EINVAL (bad conf), EIO (req_prod - rsp_prod
 *         exceeds the ring), ENOMEM.
 */
struct nif_ctrl *nif_ctrl_create(const struct nif_ctrl_conf *conf);

/** Free @p c. NULL is a no-op. */
void nif_ctrl_free(struct nif_ctrl *c);

/**
 * Serve up to @p budget requests (netback's xenvif_ctrl_action, bounded): each request is
 * copied out of the ring once, then answered with a status (XEN_NETIF_CTRL_STATUS_*) and
 * data, in order. SET_HASH_KEY and SET_HASH_MAPPING grant-copy the frontend's page first
 * (one segment from offset 0, at most a page) with netback's bounds: key length at most
 * NIF_HASH_KEY_SIZE, off + len within the set size without wrapping, len * 4 at most a
 * page, every entry below nb_queues (checked on a copy: a failed or refused mapping leaves
 * the table as it was). Unknown types are NOT_SUPPORTED. When the ring empties, req_event
 * is armed and the ring checked once more (RING_FINAL_CHECK_FOR_REQUESTS).
 * @param[out] notify true when the frontend must be notified of responses
 * @return requests served (@p budget: more may wait, call again); -EIO when the ring is
 *         fatal (req_prod out of range: disable the vif, see nif_ctrl_fatal()).
 */
int nif_ctrl_poll(struct nif_ctrl *c, unsigned int budget, bool *notify);

/** NIF_FATAL_NONE, or why the control ring stopped. */
enum nif_fatal nif_ctrl_fatal(const struct nif_ctrl *c);

/**
 * The hashing state as the control ring left it, for another thread (the datapath): a
 * consistent copy into @p out when it changed since generation *@p gen (updated). Never
 * blocks: while a change is being written it returns false and @p out is left as it was.
 * For a new ring start from *@p gen = 0 with a zeroed @p out (hashing off): generation 0
 * is a ring no request has changed yet.
 * @return true when @p out was written.
 */
bool nif_ctrl_hash_read(const struct nif_ctrl *c, struct nif_hash *out, uint32_t *gen);

/**
 * Set the hashing state to @p h as if the frontend had set it over this ring (a resume:
 * the previous process's state, read back from xenstore) and publish it. Checked as the
 * ring's setters check a request: algorithm NONE or TOEPLITZ, known hash types only, at most
 * NIF_HASH_MAPPING_MAX entries, each below the ring's nb_queues (XSA-270). On the thread
 * that polls.
 * @return 0; -EINVAL with the state left as it was.
 */
int nif_ctrl_hash_restore(struct nif_ctrl *c, const struct nif_hash *h);

const struct nif_ctrl_stats *nif_ctrl_stats(const struct nif_ctrl *c);
/** Zero @p c's counters. On the thread that polls, or with it excluded. */
void nif_ctrl_stats_reset(struct nif_ctrl *c);

/**
 * Hash guest-RX frames: a frame @p h gives a hash (nif_hash_frame) gets a
 * XEN_NETIF_EXTRA_TYPE_HASH extra slot (after the GSO extra when it has one, as netback's
 * rx.c). NULL or hashing off: no hash extras. Between bursts, on the queue's lcore.
 */
void nif_rxq_set_hash(struct nif_rxq *q, const struct nif_hash *h);

/*
 * ---------------------------------------------------------------------------------------
 * Counter names, for xstats: name -> offset in the stats struct, NULL-name terminated.
 * ---------------------------------------------------------------------------------------
 */
struct nif_stat_name {
	const char *name;
	uint32_t offset;
};
extern const struct nif_stat_name nif_rx_stat_names[];
extern const struct nif_stat_name nif_tx_stat_names[];
extern const struct nif_stat_name nif_ctrl_stat_names[];

#endif /* DNB_NIF_H */
