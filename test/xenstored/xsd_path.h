/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xsd_path.h
 * xenstore node names: validation, resolution of relative names, ancestry.
 *
 * A valid absolute name is "/" or "/" followed by components separated by single '/',
 * no trailing '/', made of [A-Za-z0-9_@-] (as xenstored's is_valid_nodename), and at
 * most XENSTORE_ABS_PATH_MAX bytes. A relative name (no leading '/') is at most
 * XENSTORE_REL_PATH_MAX bytes and is taken below "/local/domain/<domid>" of the
 * connection that sent it. Special names ("@introduceDomain", "@releaseDomain") are
 * watch-only and never resolved.
 */
#ifndef XSD_PATH_H
#define XSD_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Room for the longest absolute name plus its NUL. */
#define XSD_PATH_BUF (3072 + 1)

/**
 * Resolve a client-supplied name to a canonical absolute name.
 * @param name      NUL-terminated name from the wire (untrusted).
 * @param domid     domain of the connection, for relative names.
 * @param out       receives the absolute name; XSD_PATH_BUF bytes.
 * @param relative  set to true when @p name was relative (may be NULL).
 * @return 0, or -EINVAL for an empty, malformed or over-long name.
 */
int xsd_path_resolve(const char *name, uint32_t domid, char out[XSD_PATH_BUF], bool *relative);

/** True for the special watch names this daemon knows ("@introduceDomain", "@releaseDomain"). */
bool xsd_path_is_special(const char *name);

/**
 * True when @p path is @p base or lies below it ("/a" covers "/a" and "/a/b", not "/ab").
 * Both are canonical absolute names.
 */
bool xsd_path_covers(const char *base, const char *path);

/**
 * The domain prefix of relative names: "/local/domain/<domid>" into @p out.
 * @return its length in bytes.
 */
size_t xsd_path_domain(uint32_t domid, char *out, size_t size);

#endif /* XSD_PATH_H */
