/* SPDX-License-Identifier: BSD-3-Clause */
/* Handlers that read or change nodes; all of them work inside a transaction too. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsd_ops_internal.h"

/* The single argument of @r resolved into @abs. */
static int one_path(struct xsd_req *r, char abs[XSD_PATH_BUF])
{
	const char *name = xsd_req_one_arg(r);

	if (name == NULL)
		return -EINVAL;
	return xsd_path_resolve(name, r->c->domid, abs, NULL);
}

/* A node to read: resolved, noted in the transaction, readable, present. */
static int readable_node(struct xsd_req *r, char abs[XSD_PATH_BUF], const struct xsd_node **n)
{
	int rc = one_path(r, abs);

	if (rc == 0)
		rc = xsd_req_note(r, abs);
	if (rc == 0)
		rc = xsd_req_access(r, abs, XSD_PERM_READ, n);
	if (rc == 0 && *n == NULL)
		rc = -ENOENT;
	return rc;
}

int xsd_op_read(struct xsd_req *r)
{
	char abs[XSD_PATH_BUF];
	const struct xsd_node *n;
	const char *value;
	uint32_t len;
	int rc = readable_node(r, abs, &n);

	if (rc != 0)
		return rc;
	value = xsd_node_value(n, &len);
	return xsd_reply(r, value, len);
}

int xsd_op_write(struct xsd_req *r)
{
	struct xsd_change ch = { .kind = XSD_CHANGE_WRITE, .creator = r->c->domid };
	char abs[XSD_PATH_BUF];
	const struct xsd_node *n;
	size_t name_len;
	int rc;

	/* "<path>\0<value>": the value is the rest, any bytes, no terminator required. */
	name_len = strlen(r->body);
	if (name_len >= r->len)
		return -EINVAL;
	rc = xsd_path_resolve(r->body, r->c->domid, abs, NULL);
	if (rc == 0)
		rc = xsd_req_access(r, abs, XSD_PERM_WRITE, &n);
	if (rc == 0)
		rc = xsd_req_note_create(r, abs);
	if (rc != 0)
		return rc;
	ch.path = abs;
	ch.value = r->body + name_len + 1;
	ch.len = r->len - (uint32_t)name_len - 1;
	rc = xsd_req_change(r, &ch);
	return rc != 0 ? rc : xsd_reply_ok(r);
}

int xsd_op_mkdir(struct xsd_req *r)
{
	struct xsd_change ch = { .kind = XSD_CHANGE_MKDIR, .creator = r->c->domid };
	char abs[XSD_PATH_BUF];
	const struct xsd_node *n;
	int rc = one_path(r, abs);

	if (rc == 0)
		rc = xsd_req_access(r, abs, XSD_PERM_WRITE, &n);
	if (rc == 0)
		rc = xsd_req_note_create(r, abs);
	if (rc != 0)
		return rc;
	if (n != NULL) /* exists already: success, nothing changes, nothing fires */
		return xsd_reply_ok(r);
	ch.path = abs;
	rc = xsd_req_change(r, &ch);
	return rc != 0 ? rc : xsd_reply_ok(r);
}

int xsd_op_rm(struct xsd_req *r)
{
	struct xsd_change ch = { .kind = XSD_CHANGE_RM };
	char abs[XSD_PATH_BUF], parent[XSD_PATH_BUF];
	const struct xsd_node *n;
	int rc = one_path(r, abs);

	if (rc != 0)
		return rc;
	if (strcmp(abs, "/") == 0)
		return -EINVAL;
	rc = xsd_req_access(r, abs, XSD_PERM_WRITE, &n);
	if (rc != 0)
		return rc;
	xsd_parent_path(abs, parent);
	if (n == NULL) {
		/* Removing what is not there succeeds when its parent is (xenstored). */
		rc = xsd_req_note(r, abs);
		if (rc == 0)
			rc = xsd_tree_lookup(r->tree, parent) != NULL ? xsd_reply_ok(r) : -ENOENT;
		return rc;
	}
	if (r->tx != NULL) {
		rc = xsd_txn_note_subtree(r->tx, abs);
		if (rc == 0)
			rc = xsd_txn_note(r->tx, parent);
		if (rc != 0)
			return rc;
	}
	ch.path = abs;
	rc = xsd_req_change(r, &ch);
	return rc != 0 ? rc : xsd_reply_ok(r);
}

int xsd_op_directory(struct xsd_req *r)
{
	char abs[XSD_PATH_BUF], list[XENSTORE_PAYLOAD_MAX];
	const struct xsd_node *n;
	size_t len;
	int rc = readable_node(r, abs, &n);

	if (rc != 0)
		return rc;
	len = xsd_node_children(n, list, sizeof(list));
	/* Too long for one message: libxenstore then falls back to XS_DIRECTORY_PART. */
	if (len > sizeof(list))
		return -E2BIG;
	return xsd_reply(r, list, len);
}

/*
 * One chunk of the children list, as xenstored: "<generation>\0" then whole names from
 * byte @off of the list; the chunk that reaches the end carries one more NUL, which is
 * how the client knows it is the last. The generation changes whenever the children do,
 * so a client can restart when the list moved under it.
 */
static int reply_dir_chunk(struct xsd_req *r, const struct xsd_node *n, const char *list,
			   size_t total, size_t off)
{
	char out[XENSTORE_PAYLOAD_MAX];
	size_t used, name_len;
	int glen;

	glen = snprintf(out, sizeof(out), "%" PRIu64, xsd_node_gen(n));
	used = (size_t)glen + 1;
	while (off < total) {
		name_len = strnlen(list + off, total - off) + 1;
		/* keep a byte for the end marker */
		if (used + name_len + 1 > sizeof(out))
			break;
		memcpy(out + used, list + off, name_len);
		used += name_len;
		off += name_len;
	}
	if (off >= total)
		out[used++] = '\0';
	else if (used == (size_t)glen + 1)
		return -E2BIG; /* cannot happen with valid names; never loop the client */
	return xsd_reply(r, out, used);
}

int xsd_op_directory_part(struct xsd_req *r)
{
	const char *argv[2];
	char abs[XSD_PATH_BUF], *list, *end;
	const struct xsd_node *n;
	unsigned long off;
	size_t total;
	int rc;

	if (xsd_req_split(r, argv, 2) != 2)
		return -EINVAL;
	errno = 0;
	off = strtoul(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || *end != '\0' || errno != 0)
		return -EINVAL;
	rc = xsd_path_resolve(argv[0], r->c->domid, abs, NULL);
	if (rc == 0)
		rc = xsd_req_note(r, abs);
	if (rc == 0)
		rc = xsd_req_access(r, abs, XSD_PERM_READ, &n);
	if (rc == 0 && n == NULL)
		rc = -ENOENT;
	if (rc != 0)
		return rc;
	total = xsd_node_children(n, NULL, 0);
	if (off > total)
		return -EINVAL;
	list = malloc(total + 1);
	if (list == NULL)
		return -ENOMEM;
	xsd_node_children(n, list, total);
	rc = reply_dir_chunk(r, n, list, total, off);
	free(list);
	return rc;
}

int xsd_op_get_perms(struct xsd_req *r)
{
	char abs[XSD_PATH_BUF], out[XENSTORE_PAYLOAD_MAX];
	const struct xsd_node *n;
	size_t len;
	int rc = readable_node(r, abs, &n);

	if (rc != 0)
		return rc;
	len = xsd_perms_format(xsd_node_perms(n), out, sizeof(out));
	return len == 0 ? -E2BIG : xsd_reply(r, out, len);
}

int xsd_op_set_perms(struct xsd_req *r)
{
	struct xsd_change ch = { .kind = XSD_CHANGE_PERMS };
	char abs[XSD_PATH_BUF];
	const struct xsd_node *n;
	size_t name_len = strlen(r->body);
	int rc;

	/* "<path>\0<perm>\0<perm>\0...": at least one permission. */
	if (name_len + 1 >= r->len)
		return -EINVAL;
	rc = xsd_perms_parse(r->body + name_len + 1, r->len - name_len - 1, &ch.perms);
	if (rc != 0)
		return rc;
	rc = xsd_path_resolve(r->body, r->c->domid, abs, NULL);
	if (rc == 0)
		rc = xsd_req_note(r, abs);
	if (rc == 0)
		rc = xsd_req_access(r, abs, XSD_PERM_WRITE | XSD_PERM_OWNER, &n);
	if (rc == 0 && n == NULL)
		rc = -ENOENT;
	/* Only dom0 gives a node away (xenstored: unprivileged domains keep ownership). */
	if (rc == 0 && r->c->domid != 0 &&
	    ch.perms.ent[0].domid != xsd_node_perms(n)->ent[0].domid)
		rc = -EPERM;
	if (rc == 0) {
		ch.path = abs;
		rc = xsd_req_change(r, &ch);
	}
	xsd_perms_fini(&ch.perms);
	return rc != 0 ? rc : xsd_reply_ok(r);
}
