/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_tree.h
 * The xenstore tree: nodes with a value, permissions, children (in creation order) and a
 * generation number. No I/O and no permission checks here: the caller (xsd_ops) checks
 * access first and fires watches after.
 *
 * Generations: every node carries the value of a counter shared by all trees made from
 * the same xsd_tree_create() (transaction copies share it). A node gets a fresh value when
 * it is created, its value or permissions change, or a child is added or removed. So
 * "same generation" means "unchanged", and 0 stands for "absent", which no live node has.
 */
#ifndef XSD_TREE_H
#define XSD_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "xsd_perms.h"

struct xsd_tree;
struct xsd_node;

enum xsd_change_kind {
	XSD_CHANGE_WRITE, /**< set a value, creating the node and missing parents */
	XSD_CHANGE_MKDIR, /**< create the node and missing parents; no-op if it exists */
	XSD_CHANGE_RM,    /**< remove the node and everything below it */
	XSD_CHANGE_PERMS, /**< replace the permissions of an existing node */
};

/** One modification. Pointers are borrowed for the duration of the call. */
struct xsd_change {
	enum xsd_change_kind kind;
	const char *path;         /**< canonical absolute name, not "/" for RM */
	const char *value;        /**< WRITE: bytes, need not be NUL-terminated */
	uint32_t len;             /**< WRITE: length of @c value */
	struct xsd_perms perms;   /**< PERMS: the new list */
	uint32_t creator;         /**< WRITE/MKDIR: domid that owns nodes created (0 keeps
				   *   the parent's owner, as xenstored does for dom0) */
};

/**
 * New tree holding only "/" (owner dom0, others none).
 * @param max_nodes  creation fails with -ENOSPC beyond this many nodes.
 * @param gen        generation counter, shared with clones; must outlive every tree.
 * @return the tree, or NULL (out of memory).
 */
struct xsd_tree *xsd_tree_create(uint32_t max_nodes, uint64_t *gen);

/** Deep copy of @p t (same generations, same counter). @return NULL when out of memory. */
struct xsd_tree *xsd_tree_clone(const struct xsd_tree *t);

void xsd_tree_free(struct xsd_tree *t);

/** Number of nodes, "/" included. */
uint32_t xsd_tree_nr_nodes(const struct xsd_tree *t);

/** How many more nodes the tree may take before creation fails with -ENOSPC. */
uint32_t xsd_tree_room(const struct xsd_tree *t);

/** The node named @p path (canonical absolute), or NULL. */
const struct xsd_node *xsd_tree_lookup(const struct xsd_tree *t, const char *path);

/**
 * The deepest existing node on the way to @p path: the node itself if it exists, else its
 * nearest existing ancestor (at worst "/"). Never NULL.
 */
const struct xsd_node *xsd_tree_nearest(const struct xsd_tree *t, const char *path);

/** Generation of @p path's node, 0 when absent. */
uint64_t xsd_tree_gen(const struct xsd_tree *t, const char *path);

/**
 * Apply one change. The tree is unchanged on error.
 * @return 0; -ENOENT (RM/PERMS of an absent node), -EINVAL (RM of "/"),
 *         -ENOSPC (would exceed max_nodes), -ENOMEM.
 */
int xsd_tree_apply(struct xsd_tree *t, const struct xsd_change *c);

/**
 * Call @p fn for @p path and every node below it, parents before children.
 * @return 0, -ENOENT when @p path is absent, or the first non-zero value of @p fn.
 */
int xsd_tree_walk(const struct xsd_tree *t, const char *path,
		  int (*fn)(void *arg, const char *path, const struct xsd_node *n), void *arg);

uint64_t xsd_node_gen(const struct xsd_node *n);
const struct xsd_perms *xsd_node_perms(const struct xsd_node *n);
/** Value bytes (not NUL-terminated; NULL when empty) and their count in @p len. */
const char *xsd_node_value(const struct xsd_node *n, uint32_t *len);

/**
 * Children names, each followed by a NUL, in creation order.
 * @return the bytes the whole list takes; @p buf is filled only when that fits in @p size.
 */
size_t xsd_node_children(const struct xsd_node *n, char *buf, size_t size);

#endif /* XSD_TREE_H */
