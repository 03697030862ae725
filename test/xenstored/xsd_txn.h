/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_txn.h
 * Transactions, optimistic as in xenstored: a transaction works on its own copy of the
 * tree taken at start, remembers the generation of every node it looked at or changed
 * (first time only, before changing it), and logs its changes. Commit checks that each
 * remembered node still has that generation in the live tree (absent stays absent); if
 * any differs the commit fails with -EAGAIN and nothing is applied, else the logged
 * changes are replayed on the live tree in order.
 *
 * The copy is a full one: O(nodes) per start. That is fine for a test bed's few thousand
 * nodes; the number of open transactions is bounded per connection by the caller.
 */
#ifndef XSD_TXN_H
#define XSD_TXN_H

#include <stdint.h>

#include "xsd_tree.h"

struct xsd_txn;

/**
 * Start a transaction on a copy of @p live.
 * @param id  the non-zero id the client will use in tx_id.
 * @return the transaction, or NULL when out of memory.
 */
struct xsd_txn *xsd_txn_start(const struct xsd_tree *live, uint32_t id);

uint32_t xsd_txn_id(const struct xsd_txn *tx);

/** The transaction's private tree: reads and changes inside the transaction go here. */
struct xsd_tree *xsd_txn_tree(struct xsd_txn *tx);

/**
 * Remember @p path's current generation in the private tree, unless already remembered.
 * Call before changing the node. @return 0 or -ENOMEM (the transaction is then doomed:
 * its commit fails with -ENOMEM).
 */
int xsd_txn_note(struct xsd_txn *tx, const char *path);

/** xsd_txn_note() for @p path and every node below it. */
int xsd_txn_note_subtree(struct xsd_txn *tx, const char *path);

/** Append a copy of @p c to the change log. @return 0 or -ENOMEM (dooms, as above). */
int xsd_txn_log(struct xsd_txn *tx, const struct xsd_change *c);

/**
 * Replays one logged change on the live tree; returns 0 or -errno. The caller's hook to
 * apply it and fire watches.
 */
typedef int (*xsd_txn_apply_fn)(void *arg, const struct xsd_change *c);

/**
 * Commit: validate against @p live, then call @p apply for each logged change in order.
 * @return 0; -EAGAIN on conflict; -ENOSPC when the live tree has no room for the new
 *         nodes; -ENOMEM for a doomed transaction. On any error nothing was applied,
 *         except a failure of @p apply itself (out of memory mid-way), which is returned.
 * The transaction is not freed.
 */
int xsd_txn_commit(struct xsd_txn *tx, const struct xsd_tree *live, xsd_txn_apply_fn apply,
		   void *arg);

void xsd_txn_free(struct xsd_txn *tx);

#endif /* XSD_TXN_H */
