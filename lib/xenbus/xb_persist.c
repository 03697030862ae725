/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend's own state key, XB_PERSIST_KEY (the design is in xb.h): what a guest set
 * through its rings (xen-netback's vif->hash and vif->fe_mcast_addr, which netback keeps in
 * the kernel and never has to carry over a restart), its encoding, its one strict parser,
 * and its reads, writes and removal. Below xb_backend.c, which removes the key whenever the
 * backend leaves Connected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xb_internal.h"

/* Hex digits for the encoder; the parser takes the same alphabet (xb_parse_hex). */
static const char hex_digits[] = "0123456789abcdef";

static bool persist_in_range(const struct xb_persist *st)
{
	if (st->hash_alg > 1 || (st->hash_flags & ~XB_PERSIST_HASH_TYPES) != 0 ||
	    st->map_size > XB_PERSIST_MAPPING_MAX || st->nb_mcast > XB_PERSIST_MCAST_MAX)
		return false;
	for (uint32_t i = 0; i < st->map_size; i++)
		if (st->mapping[i] >= 16) /* one hex digit, XB_MAX_QUEUES */
			return false;
	return true;
}

/* Append @p n bytes as hex digits at *@p p (room checked by the caller). */
static char *put_hex(char *p, const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*p++ = hex_digits[bytes[i] >> 4];
		*p++ = hex_digits[bytes[i] & 0xf];
	}
	return p;
}

int xb_persist_encode(const struct xb_persist *st, char *buf, size_t size)
{
	char tmp[XB_PERSIST_VALUE_MAX], *p;
	int n;

	if (st == NULL || buf == NULL || !persist_in_range(st))
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "v=%u alg=%u flags=%u key=", XB_PERSIST_VERSION,
		     st->hash_alg, st->hash_flags);
	p = put_hex(tmp + n, st->hash_key, XB_PERSIST_KEY_SIZE);
	p += sprintf(p, " map=%u:", st->map_size);
	for (uint32_t i = 0; i < st->map_size; i++)
		*p++ = hex_digits[st->mapping[i]];
	p += sprintf(p, " mcast=%u:", st->nb_mcast);
	for (uint32_t i = 0; i < st->nb_mcast; i++) {
		if (i != 0)
			*p++ = ',';
		p = put_hex(p, st->mcast[i], sizeof(st->mcast[i]));
	}
	*p = '\0';
	/* the largest value (every field full) is about 1090 bytes: tmp cannot overflow */
	n = (int)(p - tmp);
	if ((size_t)n >= size)
		return -ENOSPC;
	memcpy(buf, tmp, (size_t)n + 1);
	return n;
}

/*
 * The next field at *@p s: "NAME=" then the value up to the next space (or the end, for
 * the last field). The value is NUL-terminated in place; *@p s moves past it.
 * @return the value, or NULL when the field is not there.
 */
static char *next_field(char **s, const char *name, bool last)
{
	size_t n = strlen(name);
	char *v, *end;

	if (strncmp(*s, name, n) != 0 || (*s)[n] != '=')
		return NULL;
	v = *s + n + 1;
	end = strchr(v, ' ');
	if (last != (end == NULL))
		return NULL;
	if (end != NULL) {
		*end = '\0';
		*s = end + 1;
	}
	return v;
}

/* "COUNT:REST" with COUNT canonical decimal <= @p max: the count, *@p rest after the colon. */
static int parse_count(char *v, uint32_t max, uint32_t *count, char **rest)
{
	char *colon = strchr(v, ':');

	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	if (xb_parse_id(v, max, count) < 0)
		return -EINVAL;
	*rest = colon + 1;
	return 0;
}

static int parse_hash(char **s, struct xb_persist *st)
{
	char *alg = next_field(s, "alg", false);
	char *flags = alg == NULL ? NULL : next_field(s, "flags", false);
	char *key = flags == NULL ? NULL : next_field(s, "key", false);

	if (key == NULL || xb_parse_id(alg, 1, &st->hash_alg) < 0 ||
	    xb_parse_id(flags, XB_PERSIST_HASH_TYPES, &st->hash_flags) < 0 ||
	    (st->hash_flags & ~XB_PERSIST_HASH_TYPES) != 0 ||
	    strlen(key) != 2 * XB_PERSIST_KEY_SIZE ||
	    xb_parse_hex(key, st->hash_key, XB_PERSIST_KEY_SIZE) < 0)
		return -EINVAL;
	return 0;
}

/* "N:M": N entries, one hex digit each, every one below @p nb_queues (XSA-270). */
static int parse_mapping(char **s, unsigned int nb_queues, struct xb_persist *st)
{
	char *v = next_field(s, "map", false), *digits;

	if (v == NULL || parse_count(v, XB_PERSIST_MAPPING_MAX, &st->map_size, &digits) < 0 ||
	    strlen(digits) != st->map_size)
		return -EINVAL;
	for (uint32_t i = 0; i < st->map_size; i++) {
		uint8_t q;

		if (xb_parse_hex_digit(digits[i], &q) < 0 || q >= nb_queues)
			return -EINVAL;
		st->mapping[i] = q;
	}
	return 0;
}

/* "C:ADDR,ADDR": C addresses of 12 hex digits. */
static int parse_mcast(char **s, struct xb_persist *st)
{
	char *v = next_field(s, "mcast", true), *p;

	if (v == NULL || parse_count(v, XB_PERSIST_MCAST_MAX, &st->nb_mcast, &p) < 0 ||
	    strlen(p) != (st->nb_mcast == 0 ? 0 : st->nb_mcast * 13 - 1))
		return -EINVAL;
	for (uint32_t i = 0; i < st->nb_mcast; i++, p += 13) {
		if (i + 1 < st->nb_mcast && p[12] != ',')
			return -EINVAL;
		p[12] = '\0';
		if (xb_parse_hex(p, st->mcast[i], sizeof(st->mcast[i])) < 0)
			return -EINVAL;
	}
	return 0;
}

int xb_persist_parse(const char *s, unsigned int nb_queues, struct xb_persist *out)
{
	char buf[XB_PERSIST_VALUE_MAX], *p = buf, *v;
	struct xb_persist st;
	uint32_t version;
	size_t len;

	if (s == NULL || out == NULL || nb_queues == 0 || nb_queues > XB_MAX_QUEUES)
		return -EINVAL;
	len = strnlen(s, sizeof(buf));
	if (len == sizeof(buf))
		return -E2BIG;
	memcpy(buf, s, len + 1);
	memset(&st, 0, sizeof(st));
	v = next_field(&p, "v", false);
	if (v == NULL || xb_parse_id(v, UINT32_MAX, &version) < 0)
		return -EINVAL;
	if (version != XB_PERSIST_VERSION)
		return -EPROTONOSUPPORT;
	if (parse_hash(&p, &st) < 0 || parse_mapping(&p, nb_queues, &st) < 0 ||
	    parse_mcast(&p, &st) < 0)
		return -EINVAL;
	*out = st;
	return 0;
}

int xb_vif_persist_save(struct xb_vif *vif, const struct xb_persist *st)
{
	char path[XB_PATH_MAX], value[XB_PERSIST_VALUE_MAX];
	int ret = xb_persist_encode(st, value, sizeof(value));

	if (ret < 0)
		return ret;
	ret = xb_path_join(path, sizeof(path), vif->be_path, XB_PERSIST_KEY);
	if (ret == 0)
		ret = vif->xs->ops->write(vif->xs, XB_TXN_NONE, path, value);
	if (ret < 0)
		XB_LOG(ERR, vif, "writing %s: %s", XB_PERSIST_KEY, strerror(-ret));
	return ret;
}

int xb_vif_persist_load(struct xb_vif *vif, unsigned int nb_queues, struct xb_persist *out)
{
	char value[XB_PERSIST_VALUE_MAX];
	int ret = xb_read_key(vif->xs, XB_TXN_NONE, vif->be_path, XB_PERSIST_KEY, value,
			      sizeof(value));

	if (ret == -ENOENT)
		return ret;
	if (ret == -EOVERFLOW) {
		XB_LOG(ERR, vif, "%s/%s: longer than %u bytes: not restored", vif->be_path,
		       XB_PERSIST_KEY, XB_PERSIST_VALUE_MAX - 1);
		return ret;
	}
	if (ret < 0) {
		XB_LOG(ERR, vif, "reading %s/%s: %s: not restored", vif->be_path, XB_PERSIST_KEY,
		       strerror(-ret));
		return ret;
	}
	ret = xb_persist_parse(value, nb_queues, out);
	if (ret < 0)
		XB_LOG(ERR, vif, "%s/%s = '%s': %s for %u queue(s): not restored", vif->be_path,
		       XB_PERSIST_KEY, value, ret == -EPROTONOSUPPORT ? "another version" :
		       "malformed", nb_queues);
	return ret;
}

static int persist_rm(struct xb_xs *xs, const char *be_path)
{
	char path[XB_PATH_MAX];
	int ret = xb_path_join(path, sizeof(path), be_path, XB_PERSIST_KEY);

	return ret < 0 ? ret : xs->ops->rm(xs, XB_TXN_NONE, path);
}

int xb_persist_remove(struct xb_xs *xs, uint16_t domid, uint16_t devid)
{
	char be_path[XB_PATH_MAX];

	if (xs == NULL)
		return -EINVAL;
	snprintf(be_path, sizeof(be_path), XB_BACKEND_VIF_DIR "/%u/%u", (unsigned int)domid,
		 (unsigned int)devid);
	return persist_rm(xs, be_path);
}

int xb_persist_forget(struct xb_vif *vif)
{
	return persist_rm(vif->xs, vif->be_path);
}
