/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/xs_wire.h>

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '@' || c == '/';
}

/* Canonical absolute form: leading '/', no "//", no trailing '/' except for the root. */
static bool abs_name_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || p[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	for (i = 0; i < len; i++) {
		if (!name_char_ok(p[i]))
			return false;
		if (p[i] == '/' && i + 1 < len && p[i + 1] == '/')
			return false;
	}
	return true;
}

size_t xsd_path_domain(uint32_t domid, char *out, size_t size)
{
	int n = snprintf(out, size, "/local/domain/%u", domid);

	return n < 0 ? 0 : (size_t)n;
}

int xsd_path_resolve(const char *name, uint32_t domid, char out[XSD_PATH_BUF], bool *relative)
{
	size_t len = strlen(name);
	size_t plen;

	if (relative != NULL)
		*relative = false;
	if (len == 0)
		return -EINVAL;
	if (name[0] == '/') {
		if (!abs_name_ok(name, len))
			return -EINVAL;
		memcpy(out, name, len + 1);
		return 0;
	}
	if (len > XENSTORE_REL_PATH_MAX)
		return -EINVAL;
	plen = xsd_path_domain(domid, out, XSD_PATH_BUF);
	if (plen + 1 + len >= XSD_PATH_BUF)
		return -EINVAL;
	out[plen] = '/';
	memcpy(out + plen + 1, name, len + 1);
	if (!abs_name_ok(out, plen + 1 + len))
		return -EINVAL;
	if (relative != NULL)
		*relative = true;
	return 0;
}

bool xsd_path_is_special(const char *name)
{
	return strcmp(name, "@introduceDomain") == 0 || strcmp(name, "@releaseDomain") == 0;
}

bool xsd_path_covers(const char *base, const char *path)
{
	size_t blen = strlen(base);

	if (strcmp(base, "/") == 0)
		return path[0] == '/';
	if (strncmp(base, path, blen) != 0)
		return false;
	return path[blen] == '\0' || path[blen] == '/';
}
