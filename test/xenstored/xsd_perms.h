/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_perms.h
 * Node permissions as xenstored keeps them: an ordered list of (domid, access). The first
 * entry names the owner, and its access is what every domain not listed gets. Dom0 and
 * the owner may do anything. On the wire each entry is a NUL-terminated string of one
 * letter ('n' none, 'r' read, 'w' write, 'b' both) and a decimal domid: "n0\0r5\0".
 */
#ifndef XSD_PERMS_H
#define XSD_PERMS_H

#include <stddef.h>
#include <stdint.h>

#define XSD_PERM_READ  1u
#define XSD_PERM_WRITE 2u
#define XSD_PERM_OWNER 4u /**< may change the permissions */

/** Largest domid a permission entry may name (domid_t is 16 bits). */
#define XSD_DOMID_MAX 0xffffu

struct xsd_perm {
	uint32_t domid;
	uint32_t access; /**< XSD_PERM_READ | XSD_PERM_WRITE bits */
};

struct xsd_perms {
	uint32_t nr;          /**< at least 1 when valid */
	struct xsd_perm *ent; /**< owned, nr entries; ent[0] is the owner */
};

/**
 * Parse @p len bytes of NUL-terminated permission strings (untrusted wire data).
 * @param out  receives a newly allocated list; untouched on error.
 * @return 0, -EINVAL for an empty list, a bad letter or domid, or a missing NUL; -ENOMEM.
 */
int xsd_perms_parse(const char *buf, size_t len, struct xsd_perms *out);

/**
 * Write the wire form into @p buf.
 * @return bytes written including every NUL, or 0 when @p size is too small.
 */
size_t xsd_perms_format(const struct xsd_perms *p, char *buf, size_t size);

/** What domain @p domid may do on a node with permissions @p p: XSD_PERM_* bits. */
uint32_t xsd_perms_for(const struct xsd_perms *p, uint32_t domid);

/** Deep copy; @return 0 or -ENOMEM (dst untouched). */
int xsd_perms_copy(struct xsd_perms *dst, const struct xsd_perms *src);

/** Release the entries of @p p (not @p p itself). */
void xsd_perms_fini(struct xsd_perms *p);

#endif /* XSD_PERMS_H */
