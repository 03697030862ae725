/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int letter_to_access(char c, uint32_t *access)
{
	switch (c) {
	case 'n': *access = 0; return 0;
	case 'r': *access = XSD_PERM_READ; return 0;
	case 'w': *access = XSD_PERM_WRITE; return 0;
	case 'b': *access = XSD_PERM_READ | XSD_PERM_WRITE; return 0;
	default: return -EINVAL;
	}
}

static char access_to_letter(uint32_t access)
{
	static const char letters[] = { 'n', 'r', 'w', 'b' };

	return letters[access & (XSD_PERM_READ | XSD_PERM_WRITE)];
}

/* One entry "<letter><domid>", exactly @len bytes without its NUL. */
static int parse_entry(const char *s, size_t len, struct xsd_perm *e)
{
	uint32_t domid = 0;
	size_t i;

	if (len < 2 || len > 6 || letter_to_access(s[0], &e->access) != 0)
		return -EINVAL;
	for (i = 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		domid = domid * 10 + (uint32_t)(s[i] - '0');
	}
	if (domid > XSD_DOMID_MAX)
		return -EINVAL;
	e->domid = domid;
	return 0;
}

int xsd_perms_parse(const char *buf, size_t len, struct xsd_perms *out)
{
	struct xsd_perm *ent;
	size_t i, start, nr = 0;
	int rc;

	if (len == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	for (i = 0; i < len; i++)
		nr += buf[i] == '\0';
	ent = calloc(nr, sizeof(*ent));
	if (ent == NULL)
		return -ENOMEM;
	for (i = 0, start = 0, nr = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		rc = parse_entry(buf + start, i - start, &ent[nr++]);
		if (rc != 0) {
			free(ent);
			return rc;
		}
		start = i + 1;
	}
	out->nr = (uint32_t)nr;
	out->ent = ent;
	return 0;
}

size_t xsd_perms_format(const struct xsd_perms *p, char *buf, size_t size)
{
	size_t used = 0;
	uint32_t i;
	int n;

	for (i = 0; i < p->nr; i++) {
		if (used >= size)
			return 0;
		n = snprintf(buf + used, size - used, "%c%u", access_to_letter(p->ent[i].access),
			     p->ent[i].domid);
		if (n < 0 || (size_t)n + 1 > size - used)
			return 0;
		used += (size_t)n + 1; /* keep snprintf's NUL as the separator */
	}
	return used;
}

uint32_t xsd_perms_for(const struct xsd_perms *p, uint32_t domid)
{
	const uint32_t all = XSD_PERM_READ | XSD_PERM_WRITE | XSD_PERM_OWNER;
	uint32_t i;

	if (domid == 0 || p->nr == 0 || p->ent[0].domid == domid)
		return all;
	for (i = 1; i < p->nr; i++)
		if (p->ent[i].domid == domid)
			return p->ent[i].access;
	return p->ent[0].access;
}

int xsd_perms_copy(struct xsd_perms *dst, const struct xsd_perms *src)
{
	struct xsd_perm *ent = malloc(src->nr * sizeof(*ent));

	if (ent == NULL)
		return -ENOMEM;
	memcpy(ent, src->ent, src->nr * sizeof(*ent));
	dst->nr = src->nr;
	dst->ent = ent;
	return 0;
}

void xsd_perms_fini(struct xsd_perms *p)
{
	free(p->ent);
	p->ent = NULL;
	p->nr = 0;
}
