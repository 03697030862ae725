/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsd_path.h"

struct xsd_node {
	char *name;              /* one component; "" for the root */
	struct xsd_node *parent; /* NULL for the root */
	char *value;             /* NULL when len == 0 */
	uint32_t len;
	struct xsd_perms perms;
	uint64_t gen;
	struct xsd_node **kids;  /* creation order */
	uint32_t nr_kids;
	uint32_t cap_kids;
};

struct xsd_tree {
	struct xsd_node *root;
	uint32_t nr_nodes;
	uint32_t max_nodes;
	uint64_t *gen; /* shared with clones */
};

static uint64_t next_gen(struct xsd_tree *t)
{
	return ++*t->gen;
}

static void node_free(struct xsd_node *n)
{
	uint32_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nr_kids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	xsd_perms_fini(&n->perms);
	free(n);
}

static uint32_t subtree_size(const struct xsd_node *n)
{
	uint32_t i, nr = 1;

	for (i = 0; i < n->nr_kids; i++)
		nr += subtree_size(n->kids[i]);
	return nr;
}

static struct xsd_node *node_new(const char *name, size_t name_len, const struct xsd_perms *perms)
{
	struct xsd_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->name = strndup(name, name_len);
	if (n->name == NULL || xsd_perms_copy(&n->perms, perms) != 0) {
		free(n->name);
		free(n);
		return NULL;
	}
	return n;
}

/* Room for one more child. */
static int kids_reserve(struct xsd_node *parent)
{
	uint32_t cap;
	struct xsd_node **kids;

	if (parent->nr_kids < parent->cap_kids)
		return 0;
	cap = parent->cap_kids ? parent->cap_kids * 2 : 4;
	kids = realloc(parent->kids, cap * sizeof(*kids));
	if (kids == NULL)
		return -ENOMEM;
	parent->kids = kids;
	parent->cap_kids = cap;
	return 0;
}

static int kids_append(struct xsd_node *parent, struct xsd_node *kid)
{
	if (kids_reserve(parent) != 0)
		return -ENOMEM;
	parent->kids[parent->nr_kids++] = kid;
	kid->parent = parent;
	return 0;
}

static struct xsd_node *find_kid(const struct xsd_node *n, const char *name, size_t len)
{
	uint32_t i;

	for (i = 0; i < n->nr_kids; i++)
		if (strncmp(n->kids[i]->name, name, len) == 0 && n->kids[i]->name[len] == '\0')
			return n->kids[i];
	return NULL;
}

/* Length of the component starting at @p (which follows a '/'). */
static size_t comp_len(const char *p)
{
	const char *slash = strchr(p, '/');

	return slash != NULL ? (size_t)(slash - p) : strlen(p);
}

/*
 * Walk @path from the root as far as nodes exist. Returns the deepest existing node and
 * sets *rest to the unmatched remainder ("" when the whole path exists).
 */
static struct xsd_node *walk(const struct xsd_tree *t, const char *path, const char **rest)
{
	struct xsd_node *n = t->root, *kid;
	const char *p = path + 1; /* canonical: starts with '/' */
	size_t len;

	while (*p != '\0') {
		len = comp_len(p);
		kid = find_kid(n, p, len);
		if (kid == NULL)
			break;
		n = kid;
		p += len;
		if (*p == '/')
			p++;
	}
	*rest = p;
	return n;
}

struct xsd_tree *xsd_tree_create(uint32_t max_nodes, uint64_t *gen)
{
	struct xsd_perm owner = { .domid = 0, .access = 0 };
	struct xsd_perms perms = { .nr = 1, .ent = &owner };
	struct xsd_tree *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->gen = gen;
	t->max_nodes = max_nodes;
	t->root = node_new("", 0, &perms);
	if (t->root == NULL) {
		free(t);
		return NULL;
	}
	t->root->gen = next_gen(t);
	t->nr_nodes = 1;
	return t;
}

static struct xsd_node *node_clone(const struct xsd_node *src)
{
	struct xsd_node *n = node_new(src->name, strlen(src->name), &src->perms);
	uint32_t i;

	if (n == NULL)
		return NULL;
	n->gen = src->gen;
	n->len = src->len;
	if (src->len != 0) {
		n->value = malloc(src->len);
		if (n->value == NULL)
			goto fail;
		memcpy(n->value, src->value, src->len);
	}
	if (src->nr_kids != 0) {
		n->kids = calloc(src->nr_kids, sizeof(*n->kids));
		if (n->kids == NULL)
			goto fail;
		n->cap_kids = src->nr_kids;
	}
	for (i = 0; i < src->nr_kids; i++) {
		struct xsd_node *kid = node_clone(src->kids[i]);

		if (kid == NULL)
			goto fail;
		kid->parent = n;
		n->kids[n->nr_kids++] = kid;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

struct xsd_tree *xsd_tree_clone(const struct xsd_tree *t)
{
	struct xsd_tree *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	*c = *t;
	c->root = node_clone(t->root);
	if (c->root == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void xsd_tree_free(struct xsd_tree *t)
{
	if (t == NULL)
		return;
	node_free(t->root);
	free(t);
}

uint32_t xsd_tree_nr_nodes(const struct xsd_tree *t)
{
	return t->nr_nodes;
}

uint32_t xsd_tree_room(const struct xsd_tree *t)
{
	return t->max_nodes > t->nr_nodes ? t->max_nodes - t->nr_nodes : 0;
}

const struct xsd_node *xsd_tree_lookup(const struct xsd_tree *t, const char *path)
{
	const char *rest;
	struct xsd_node *n = walk(t, path, &rest);

	return *rest == '\0' ? n : NULL;
}

const struct xsd_node *xsd_tree_nearest(const struct xsd_tree *t, const char *path)
{
	const char *rest;

	return walk(t, path, &rest);
}

uint64_t xsd_tree_gen(const struct xsd_tree *t, const char *path)
{
	const struct xsd_node *n = xsd_tree_lookup(t, path);

	return n != NULL ? n->gen : 0;
}

/* Number of components in @rest (the missing part of a path), 0 for "". */
static uint32_t count_comps(const char *rest)
{
	uint32_t nr = 0;

	if (*rest == '\0')
		return 0;
	for (nr = 1; *rest != '\0'; rest++)
		nr += *rest == '/';
	return nr;
}

/*
 * Create the missing components @rest below @n. Nothing is linked into the tree until
 * the whole chain is built, so a failure leaves the tree as it was.
 */
static int create_chain(struct xsd_tree *t, struct xsd_node *n, const char *rest,
			uint32_t creator, struct xsd_node **leaf)
{
	struct xsd_node *top = NULL, *cur = n, *kid;
	uint32_t nr = count_comps(rest);
	size_t len;

	if (nr == 0) {
		*leaf = n;
		return 0;
	}
	if (t->nr_nodes + nr > t->max_nodes)
		return -ENOSPC;
	/* Make room in the existing parent first: the one step that touches the tree. */
	if (kids_reserve(n) != 0)
		return -ENOMEM;
	while (*rest != '\0') {
		len = comp_len(rest);
		/* Domains own what they create; dom0's nodes keep the parent's owner. */
		kid = node_new(rest, len, &cur->perms);
		if (kid == NULL)
			goto nomem;
		if (creator != 0)
			kid->perms.ent[0].domid = creator;
		kid->gen = next_gen(t);
		if (top == NULL) {
			top = kid;
			kid->parent = n;
		} else if (kids_append(cur, kid) != 0) {
			node_free(kid);
			goto nomem;
		}
		cur = kid;
		rest += len;
		if (*rest == '/')
			rest++;
	}
	n->kids[n->nr_kids++] = top;
	n->gen = next_gen(t);
	t->nr_nodes += nr;
	*leaf = cur;
	return 0;
nomem:
	node_free(top);
	return -ENOMEM;
}

static int apply_write(struct xsd_tree *t, const struct xsd_change *c)
{
	const char *rest;
	struct xsd_node *n = walk(t, c->path, &rest), *leaf;
	char *value = NULL;
	int rc;

	if (c->len != 0) {
		value = malloc(c->len);
		if (value == NULL)
			return -ENOMEM;
		memcpy(value, c->value, c->len);
	}
	rc = create_chain(t, n, rest, c->creator, &leaf);
	if (rc != 0) {
		free(value);
		return rc;
	}
	free(leaf->value);
	leaf->value = value;
	leaf->len = c->len;
	leaf->gen = next_gen(t);
	return 0;
}

static int apply_rm(struct xsd_tree *t, const char *path)
{
	struct xsd_node *n, *parent;
	const char *rest;
	uint32_t i;

	n = walk(t, path, &rest);
	if (*rest != '\0')
		return -ENOENT;
	parent = n->parent;
	if (parent == NULL)
		return -EINVAL;
	for (i = 0; parent->kids[i] != n; i++)
		;
	memmove(&parent->kids[i], &parent->kids[i + 1],
		(parent->nr_kids - i - 1) * sizeof(parent->kids[0]));
	parent->nr_kids--;
	parent->gen = next_gen(t);
	t->nr_nodes -= subtree_size(n);
	node_free(n);
	return 0;
}

static int apply_perms(struct xsd_tree *t, const struct xsd_change *c)
{
	const char *rest;
	struct xsd_node *n = walk(t, c->path, &rest);
	struct xsd_perms perms;

	if (*rest != '\0')
		return -ENOENT;
	if (xsd_perms_copy(&perms, &c->perms) != 0)
		return -ENOMEM;
	xsd_perms_fini(&n->perms);
	n->perms = perms;
	n->gen = next_gen(t);
	return 0;
}

int xsd_tree_apply(struct xsd_tree *t, const struct xsd_change *c)
{
	const char *rest;
	struct xsd_node *n, *leaf;

	switch (c->kind) {
	case XSD_CHANGE_WRITE:
		return apply_write(t, c);
	case XSD_CHANGE_MKDIR:
		n = walk(t, c->path, &rest);
		return create_chain(t, n, rest, c->creator, &leaf);
	case XSD_CHANGE_RM:
		return apply_rm(t, c->path);
	case XSD_CHANGE_PERMS:
		return apply_perms(t, c);
	}
	return -EINVAL;
}

static int walk_sub(const struct xsd_node *n, char *path, size_t len,
		    int (*fn)(void *, const char *, const struct xsd_node *), void *arg)
{
	size_t nlen;
	uint32_t i;
	int rc;

	rc = fn(arg, path, n);
	for (i = 0; rc == 0 && i < n->nr_kids; i++) {
		nlen = strlen(n->kids[i]->name);
		/* Names in the tree are valid, so a child's name always fits. */
		if (len + 1 + nlen >= XSD_PATH_BUF)
			return -ENAMETOOLONG;
		if (len > 1)
			path[len] = '/';
		memcpy(path + len + (len > 1), n->kids[i]->name, nlen + 1);
		rc = walk_sub(n->kids[i], path, len + (len > 1) + nlen, fn, arg);
		path[len] = '\0';
	}
	return rc;
}

int xsd_tree_walk(const struct xsd_tree *t, const char *path,
		  int (*fn)(void *arg, const char *path, const struct xsd_node *n), void *arg)
{
	const struct xsd_node *n = xsd_tree_lookup(t, path);
	char buf[XSD_PATH_BUF];
	size_t len = strlen(path);

	if (n == NULL)
		return -ENOENT;
	memcpy(buf, path, len + 1);
	return walk_sub(n, buf, len, fn, arg);
}

uint64_t xsd_node_gen(const struct xsd_node *n)
{
	return n->gen;
}

const struct xsd_perms *xsd_node_perms(const struct xsd_node *n)
{
	return &n->perms;
}

const char *xsd_node_value(const struct xsd_node *n, uint32_t *len)
{
	*len = n->len;
	return n->value;
}

size_t xsd_node_children(const struct xsd_node *n, char *buf, size_t size)
{
	size_t total = 0, len;
	uint32_t i;

	for (i = 0; i < n->nr_kids; i++)
		total += strlen(n->kids[i]->name) + 1;
	if (total > size)
		return total;
	for (i = 0, total = 0; i < n->nr_kids; i++) {
		len = strlen(n->kids[i]->name) + 1;
		memcpy(buf + total, n->kids[i]->name, len);
		total += len;
	}
	return total;
}
