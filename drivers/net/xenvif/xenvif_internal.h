/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * net_xenvif internals: one Xen guest vif as a DPDK ethdev port. Shared by the parts of
 * the driver, split the way xen-netback is, each using only those listed after it:
 *   xenvif_ethdev.c   probe/remove, devargs, ethdev ops, stats and xstats
 *   xenvif_burst.c    the data path: rx_burst (guest TX ring) and tx_burst (guest RX ring)
 *   xenvif_ctrl.c     the control thread: xenstore handshake (lib/xenbus), ring mapping,
 *                     event channels, connect and disconnect of the data plane, the link
 *                     state it implies, and the PMD's log type
 *   xenvif_intr.c     RX interrupts for a caller that sleeps when idle
 *   xenvif_persist.c  what the guest set through its rings (hashing, multicast list),
 *                     saved to xenstore for a restart and restored at a resume
 *   xenvif_cring.c    the control ring (feature-ctrl-ring): its mapping, its event channel,
 *                     serving it (lib/netif) and the hashing state it leaves
 *   xenvif_backlog.c  tx_burst's queue of frames waiting for the guest's RX buffers
 * "tx"/"rx" in names of guest rings are from the guest's point of view (netif.h); ethdev's
 * rx_burst therefore serves the guest's TX ring and tx_burst its RX ring.
 */
#ifndef DNB_XENVIF_INTERNAL_H
#define DNB_XENVIF_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "xen_ops.h"
#include "nif.h"
#include "xb.h"
#include "rte_pmd_xenvif.h"

/** Most queue pairs one vif may have (advertised as multi-queue-max-queues). */
#define XENVIF_MAX_QUEUES 8

/** Packets one burst call handles at most (larger requests are served in several rounds). */
#define XENVIF_BURST_MAX 64

/**
 * A queue's guest-RX backlog holds at most this many frames, bytes and mbufs (the contract
 * is in rte_pmd_xenvif.h): the bytes as xen-netback's XENVIF_RX_QUEUE_BYTES (half a ring of
 * pages); the mbuf bound keeps what one queue of one guest can pin of a shared pool small
 * and known.
 */
#define XENVIF_BACKLOG_PKTS RTE_PMD_XENVIF_BACKLOG_PKTS
#define XENVIF_BACKLOG_BYTES RTE_PMD_XENVIF_BACKLOG_BYTES
#define XENVIF_BACKLOG_MBUFS RTE_PMD_XENVIF_BACKLOG_MBUFS

extern int xenvif_logtype;

#define XENVIF_LOG(level, vif, fmt, ...) \
	rte_log(RTE_LOG_##level, xenvif_logtype, "xenvif: %s: " fmt "\n", (vif)->name, \
		##__VA_ARGS__)
/** A line about the driver, before a vif exists (devargs, probe): same log type. */
#define XENVIF_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, xenvif_logtype, "net_xenvif: " fmt "\n", ##__VA_ARGS__)

/** Driver-level counters of one queue pair, beside lib/netif's ring counters. */
struct xenvif_queue_stats {
	uint64_t rx_stall_drops;   /**< packets for the guest dropped: RX ring stalled */
	uint64_t rx_not_connected; /**< tx_burst calls while the queue was not connected */
	uint64_t evtchn_notify;    /**< event-channel notifications sent */
	uint64_t gcopy_failed;     /**< grant-copy batches refused as a whole */
	uint64_t resumes;          /**< connections taken over from a previous process */
	uint64_t resume_tx_pending; /**< guest-TX requests found unanswered at a resume: sent
				     *   (again, if the dead process had sent them) */
	uint64_t resume_rx_posted; /**< guest-RX buffers found posted at a resume */
	uint64_t intr_arms;        /**< rx_intr_enable: req_event armed for a sleeping caller */
	uint64_t intr_events;      /**< guest notifications taken off the event channel */
	uint64_t rx_backlog_pkts;  /**< frames that waited in the backlog for guest buffers */
	uint64_t rx_backlog_full;  /**< frames refused (left to the caller): the backlog full */
	uint64_t rx_backlog_drops; /**< frames dropped from the backlog: a stall, a disconnect */
	uint64_t rx_headroom_changes; /**< xdp-headroom changes applied to guest RX */
	uint64_t rx_headroom;      /**< the guest-RX headroom in use (bytes), not a counter */
};

/**
 * tx_burst's backlog (xenvif_backlog.c): frames taken from the caller that the guest's RX
 * ring had no room for yet, sent first at the next tx_burst, in order. Touched only by the
 * lcore calling tx_burst on the queue (and by the control thread once the queue is
 * quiesced); @c nb is also read by rx_intr_enable as a hint (relaxed atomics).
 */
struct xenvif_backlog {
	struct rte_mbuf *pkts[XENVIF_BACKLOG_PKTS];
	/* each frame's size, kept here: once sent, a frame is lib/netif's to free */
	struct {
		uint32_t bytes;
		uint32_t mbufs;
	} sizes[XENVIF_BACKLOG_PKTS];
	uint16_t nb;
	uint32_t bytes;
	uint32_t mbufs;
};

/**
 * One queue pair: guest TX ring (served by rx_burst) and guest RX ring (served by tx_burst).
 *
 * Ownership: while @c enabled is set, only the lcore polling this queue touches the nif
 * queues, @c hv's grant-copy path and the stats. The control thread connects with @c enabled
 * clear, then publishes with a release store; it disconnects by clearing @c enabled and
 * waiting until neither burst function is inside (@c in_rx / @c in_tx), the vhost PMD's
 * allow_queuing/while_queuing handshake, written with C11 seq_cst atomics so the store of one
 * side and the load of the other cannot be reordered.
 */
struct xenvif_queue {
	struct xenvif *vif;
	uint16_t qid;
	struct rte_mempool *mp;      /**< from rx_queue_setup: mbufs for guest TX packets */
	struct xen_hv *hv;           /**< this queue's grant-copy and event-channel handle */
	struct nif_txq *guest_tx;    /**< NULL while disconnected */
	struct nif_rxq *guest_rx;
	void *tx_ring;               /**< mapped ring pages */
	void *rx_ring;
	int wake_fd;                 /**< eventfd: the control thread connected the queue */
	int timer_fd;                /**< timerfd: requests wait (the rate's credit, no mbuf) */
	int intr_fd;                 /**< RX interrupt fd (epoll of hv's and wake_fd), or -1 */
	int port_tx;                 /**< local event-channel ports, -1 when unbound */
	int port_rx;                 /**< equals port_tx for a single event channel */
	uint64_t stall_since;        /**< TSC when the guest RX ring first had no room; 0 = not */
	struct xenvif_backlog backlog; /**< frames waiting for the guest's RX buffers */
	atomic_uint enabled;         /**< control -> lcore: the queue may be polled */
	atomic_uint in_rx;           /**< lcore is inside rx_burst */
	atomic_uint in_tx;           /**< lcore is inside tx_burst */
	atomic_uint fatal;           /**< lcore -> control: enum nif_fatal that stopped it */
	/* control -> lcore: a new guest-TX rate (the "rate" key changed while connected),
	 * applied by the next rx_burst when rate_seq moved past rate_seen */
	atomic_uint rate_seq;
	unsigned int rate_seen;
	_Atomic uint32_t rate_bytes, rate_usec;
	uint32_t hash_gen;           /**< the control ring's hashing state tx_burst applied */
	/* control -> lcore: a new guest-RX headroom (the frontend reconfigured xdp-headroom),
	 * applied by the next tx_burst when headroom_seq moved past headroom_seen */
	atomic_uint headroom_seq;
	unsigned int headroom_seen;
	_Atomic uint16_t headroom;
	struct xenvif_queue_stats stats;
	/* Counters of previous connections, so a reconnect does not reset the port's stats. */
	struct nif_rx_stats rx_base;
	struct nif_tx_stats tx_base;
} __rte_cache_aligned;

/**
 * What the control thread last saved to the vif's XB_PERSIST_KEY (xenvif_persist.c), and
 * the generations it saved: the control thread's alone.
 */
struct xenvif_persist {
	struct nif_hash hash;    /**< the control ring's state, as nif_ctrl_hash_read gave it */
	uint32_t hash_gen;       /**< ... at this generation */
	uint32_t mcast_gen;      /**< nif_mcast_gen when the list was last read */
	bool dirty;              /**< something changed that is not saved yet */
	bool saved_valid;        /**< @c saved is what the key holds */
	struct xb_persist saved;
	uint64_t last_tsc;       /**< timer cycles of the last write */
};

/** The state key's counters (xstats state_*), the control thread's, kept across connects. */
struct xenvif_persist_stats {
	uint64_t saves;        /**< XB_PERSIST_KEY written */
	uint64_t save_errors;  /**< writes xenstore refused (tried again) */
	uint64_t restored;     /**< resumes that restored the key */
	uint64_t refused;      /**< resumes that found a key and restored nothing from it */
};

/** Per-port private data (dev->data->dev_private). */
struct xenvif {
	char name[32];               /**< "vif<domid>.<devid>", as xen-netback names it */
	uint16_t port_id;
	uint16_t domid;
	uint32_t devid;
	unsigned int max_queues;     /**< devarg "queues" */
	enum nif_layout layout;      /**< devarg "layout" */
	uint64_t stall_tsc;          /**< devarg "stall_ms" in TSC cycles */
	const struct xen_ops *xops;  /**< devarg "xen" */
	struct rte_ether_addr mac;   /**< the guest's MAC (devarg "mac" or backend key "mac") */
	bool mac_from_devarg;
	/** The MTU when the toolstack's "mtu" key gives none (devarg "mtu", rxmode.mtu,
	 *  rte_eth_dev_set_mtu); written under ctrl_lock */
	uint16_t mtu;
	bool mtu_from_devarg;
	struct xenvif_queue queues[XENVIF_MAX_QUEUES];
	unsigned int nb_connected;   /**< queues connected to the frontend */
	atomic_uint started;         /**< dev_start .. dev_stop */
	atomic_bool keep_on_close;   /**< close leaves the vif Connected for the next process */
	atomic_uint link_up;
	/* control thread */
	pthread_t ctrl_thread;
	bool ctrl_running;
	pthread_mutex_t ctrl_lock;   /**< control thread vs. dev_start/stop/stats/close */
	int ctrl_wake_fd;            /**< eventfd: wake the control thread (stop, start) */
	atomic_uint ctrl_stop;
	struct xb_xs *xs;
	struct xb_vif *xb;
	uint64_t fatal_count;        /**< data-plane protocol violations seen on this vif */
	uint64_t connects;           /**< successful connections */
	struct rte_pmd_xenvif_offloads fe_offloads; /**< of the connected frontend */
	/*
	 * The control ring (xenvif_cring.c), the control thread's. The queues' lcores read
	 * @c cring (nif_ctrl_hash_read) inside their burst sections: it is set before they are
	 * enabled and freed after they are quiesced. rte_pmd_xenvif_tx_queues callers, on any
	 * lcore, read it between announcing themselves in @c cring_readers and leaving, while
	 * @c cring_on is set: the control thread clears it and waits for them before the free.
	 */
	struct xen_hv *ctrl_hv;      /**< the control thread's own hypervisor handle */
	struct nif_ctrl *cring;      /**< NULL: no control ring connected */
	void *cring_page;
	int cring_port;              /**< local port of event-channel-ctrl, -1 when unbound */
	atomic_uint cring_on;
	atomic_uint cring_readers;
	struct nif_ctrl_stats cring_base; /**< counters of previous connections */
	/*
	 * The frontend's multicast list and request-multicast-control (netback's
	 * fe_mcast_addr, multicast_control): one per vif, as a guest may add on any TX queue.
	 * Written by the lcores polling the queues (rx_burst: MCAST extras) and by the control
	 * thread (the flag; emptied at connect, the queues quiesced), read by whichever lcore
	 * calls tx_burst: lock-free by construction, see struct nif_mcast.
	 */
	struct nif_mcast mcast;
	struct xenvif_persist persist; /**< the control thread's: xenvif_persist.c */
	struct xenvif_persist_stats persist_stats; /**< written under ctrl_lock */
};

/* Add counter struct @p src to @p dst, both made only of uint64_t (the stats structs). */
static inline void xenvif_counters_add(void *dst, const void *src, size_t size)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < size / sizeof(uint64_t); i++)
		d[i] += s[i];
}

/* Enter a burst (or an interrupt arm): announce it, then check the queue is still enabled
 * (see struct xenvif_queue). Both are seq_cst so the control thread's "clear enabled, then
 * wait for in_*" cannot interleave with our "set in_*, then check enabled". */
static inline bool xenvif_burst_enter(struct xenvif_queue *q, atomic_uint *in)
{
	atomic_store(in, 1);
	return atomic_load(&q->enabled) != 0;
}

static inline void xenvif_burst_leave(atomic_uint *in)
{
	atomic_store_explicit(in, 0, memory_order_release);
}

/* xenvif_intr.c: RX interrupts (rte_eth_dev_rx_intr_*), for a caller that sleeps */
struct rte_eth_dev;
/* A queue's wake-up eventfd, for its life (vif_init); closed by xenvif_intr_queue_fini. */
int xenvif_intr_queue_init(struct xenvif_queue *q);
void xenvif_intr_queue_fini(struct xenvif_queue *q);
/* Control thread, the queue disabled: forget what the guest signalled so far. */
void xenvif_intr_queue_reset(struct xenvif_queue *q);
/* Control thread, after enabling the queue: a sleeping caller wakes and polls it. */
void xenvif_intr_queue_ready(struct xenvif_queue *q);
int xenvif_intr_install(struct rte_eth_dev *dev);
void xenvif_intr_uninstall(struct rte_eth_dev *dev);
int xenvif_rx_intr_enable(struct rte_eth_dev *dev, uint16_t qid);
int xenvif_rx_intr_disable(struct rte_eth_dev *dev, uint16_t qid);

/* xenvif_burst.c */
uint16_t xenvif_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t xenvif_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);

/**
 * Send @p nb frames of @p pkts to the guest's RX ring, in order, as far as its posted buffers
 * go; returns how many it took (sent or dropped, counted: they are no longer the caller's)
 * and ORs into @p notify whether the guest is to be notified. tx_burst's ring step.
 */
typedef uint16_t (*xenvif_send_fn)(struct xenvif_queue *q, struct rte_mbuf **pkts,
				   uint16_t nb, bool *notify);

/** The backlog's frame count, from any thread (a hint: it may change at once). */
uint16_t xenvif_backlog_pending(const struct xenvif_queue *q);

/**
 * Append @p m to @p q's backlog. False (counted rx_backlog_full) when that would pass one of
 * its bounds: @p m stays the caller's.
 */
bool xenvif_backlog_push(struct xenvif_queue *q, struct rte_mbuf *m);

/**
 * Send the backlog's frames from its head with @p send; returns how many left it. The
 * tx_burst lcore, inside the queue's burst section.
 */
uint16_t xenvif_backlog_flush(struct xenvif_queue *q, xenvif_send_fn send, bool *notify);

/** Free every frame of the backlog (counted rx_backlog_drops): a stall, a disconnect. */
void xenvif_backlog_purge(struct xenvif_queue *q);

/* xenvif_cring.c: the control ring, on the control thread (ctrl_lock held) unless said */
/**
 * Map the frontend's control ring (fe->ctrl_ring; without it nothing is done), bind its
 * event channel on ctrl_hv and attach lib/netif's server where the ring stands; on a
 * @p resume, notify the guest once. @return 0, or a negative errno with @p why saying what
 * failed (naming the key); xenvif_cring_disconnect releases what was taken.
 */
int xenvif_cring_connect(struct xenvif *vif, const struct xb_frontend_conf *fe, bool resume,
			 char *why, size_t why_size);
/** Release the control ring, after the queues were quiesced. Safe when none is connected. */
void xenvif_cring_disconnect(struct xenvif *vif);
/** The file that polls readable when the guest notified the control ring (ctrl_hv's), or -1. */
int xenvif_cring_fd(const struct xenvif *vif);
/**
 * Take the control ring's notifications and serve a bounded number of requests.
 * @return 0; 1 when more may wait (call again soon); -EIO when the guest broke the ring
 *         protocol (nif_ctrl_fatal says how): disable the vif.
 */
int xenvif_cring_poll(struct xenvif *vif);
/** The control ring's counters, this connection's and all before it. ctrl_lock held. */
void xenvif_cring_stats(const struct xenvif *vif, struct nif_ctrl_stats *out);
/**
 * rte_pmd_xenvif_tx_queues: the guest queue of each of @p pkts into @p qids. Any lcore.
 */
void xenvif_cring_select(struct xenvif *vif, struct rte_mbuf *const *pkts, uint16_t nb,
			 uint16_t nb_queues, uint16_t *qids);

/* xenvif_persist.c: on the control thread (ctrl_lock held), the vif connected */
/** A connection starts: forget what was saved; the next save writes the key. */
void xenvif_persist_connect(struct xenvif *vif);
/**
 * A resume, after xenvif_cring_connect and before the queues are enabled: read the key
 * and restore the hashing state into the control ring and the addresses into vif->mcast
 * (empty). @return the addresses restored (0..NIF_MCAST_MAX); -ENOENT (no key); -ERANGE
 * (a hashing state for a vif without a control ring, or one nif_ctrl refused); another
 * error of xb_vif_persist_load (a key it refused, logged by lib/xenbus). On error nothing was restored but
 * a part of the list may be: the caller empties it (nif_mcast_init).
 */
int xenvif_persist_restore(struct xenvif *vif, unsigned int nb_queues);
/**
 * Save the state when it changed since the last save, at most once per XENVIF_PERSIST_MS
 * unless @p now (the port is closing). @return 1 written, 0 nothing to do (or not yet), a
 * negative errno from xenstore (tried again at the next call).
 */
int xenvif_persist_save(struct xenvif *vif, bool now);

/* xenvif_ctrl.c */
int xenvif_ctrl_start(struct xenvif *vif);
void xenvif_ctrl_stop(struct xenvif *vif);
void xenvif_ctrl_kick(struct xenvif *vif);
/* With ctrl_lock held: stop polling every connected queue (dev_stop) / enable them again. */
void xenvif_ctrl_quiesce(struct xenvif *vif);
void xenvif_ctrl_resume(struct xenvif *vif);

#endif /* DNB_XENVIF_INTERNAL_H */
