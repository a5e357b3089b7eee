// SPDX-License-Identifier: GPL-2.0
/* OCI interop, the pure part: see oci.h.  No I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <linux/fs.h>
#include <openssl/evp.h>

#include "jsonbuild.h"
#include "oci.h"
#include "parse.h"
#include "storemeta.h"

const char *lfs_oci_layer_media_type(enum lfs_compress c)
{
	switch (c) {
	case LFS_COMPRESS_GZIP:
		return LFS_MT_LAYER_GZIP;
	case LFS_COMPRESS_ZSTD:
		return LFS_MT_LAYER_ZSTD;
	default:
		return LFS_MT_LAYER;
	}
}

int lfs_oci_layer_media_type_ok(const char *mt)
{
	static const char *const ok[] = {
		LFS_MT_LAYER, LFS_MT_LAYER_GZIP, LFS_MT_LAYER_ZSTD,
		LFS_MT_DOCKER_LAYER,
	};
	size_t i;

	if (!mt)
		return 0;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(mt, ok[i]))
			return 1;
	return 0;
}

int lfs_oci_clean_path(const char *in, char *out, size_t len,
		       struct lfs_err *e)
{
	const char *p = in, *end;
	size_t o = 0, n;

	if (!len)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (!in || !*in) {
		lfs_err_set(e, 0, "empty path");
		return -EINVAL;
	}
	if (*in == '/') {
		lfs_err_set(e, 0, "absolute path");
		return -EINVAL;
	}
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			lfs_err_set(e, 0, "'..' component");
			out[0] = '\0';
			return -EINVAL;
		}
		if (o + (o ? 1 : 0) + n + 1 > len) {
			out[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return 0;
}

enum lfs_wh_kind lfs_oci_whiteout_kind(const char *name, const char **target)
{
	size_t pl = strlen(LFS_WH_PREFIX);

	if (strncmp(name, LFS_WH_PREFIX, pl))
		return LFS_WH_NONE;
	if (!strcmp(name, LFS_WH_OPAQUE))
		return LFS_WH_OPQ;
	name += pl;
	/* ".wh." alone, ".wh.." and ".wh..wh.*" (aufs metadata) are refused */
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	    !strncmp(name, LFS_WH_PREFIX, pl))
		return LFS_WH_BAD;
	if (target)
		*target = name;
	return LFS_WH_FILE;
}

int lfs_oci_whiteout_name(const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s", LFS_WH_PREFIX, name);

	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int lfs_oci_xattr_private(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) ||
	       !strncmp(name, "trusted.layerfs.", 16);
}

unsigned long lfs_oci_protflags(unsigned long real, const char *v, size_t len)
{
	unsigned long fl = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] == 'a') {
			fl |= FS_APPEND_FL;
		} else if (v[i] == 'i') {
			fl |= FS_IMMUTABLE_FL;
		} else {
			fl = 0;
			break;
		}
	}
	return fl | (real & (FS_APPEND_FL | FS_IMMUTABLE_FL));
}

size_t lfs_oci_protattr(unsigned long fl, char out[2])
{
	size_t n = 0;

	if (fl & FS_APPEND_FL)
		out[n++] = 'a';
	if (fl & FS_IMMUTABLE_FL)
		out[n++] = 'i';
	return n;
}

void lfs_oci_digest_format(const unsigned char md[LFS_SHA256_LEN],
			   char out[LFS_DIGEST_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char *x = out + LFS_DIGEST_PREFIX_LEN;
	int i;

	memcpy(out, LFS_DIGEST_PREFIX, LFS_DIGEST_PREFIX_LEN);
	for (i = 0; i < LFS_SHA256_LEN; i++) {
		x[2 * i] = hex[md[i] >> 4];
		x[2 * i + 1] = hex[md[i] & 15];
	}
	out[LFS_DIGEST_LEN - 1] = '\0';
}

static int lfs_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int lfs_oci_digest_parse(const char *s, unsigned char md[LFS_SHA256_LEN])
{
	const char *x;
	int i, hi, lo;

	if (!s || strncmp(s, LFS_DIGEST_PREFIX, LFS_DIGEST_PREFIX_LEN) ||
	    strlen(s) != LFS_DIGEST_LEN - 1)
		return -EINVAL;
	x = lfs_digest_hex(s);
	for (i = 0; i < LFS_SHA256_LEN; i++) {
		hi = lfs_hexval(x[2 * i]);
		lo = lfs_hexval(x[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (md)
			md[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void lfs_oci_sha256_digest(const void *p, size_t len, char out[LFS_DIGEST_LEN])
{
	unsigned char md[LFS_SHA256_LEN];
	unsigned int mdlen = 0;

	if (!EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL))
		memset(md, 0, sizeof(md));
	lfs_oci_digest_format(md, out);
}

int lfs_oci_chain_id(const char *parent_chain, const char *diff_id,
		     char out[LFS_DIGEST_LEN])
{
	char buf[2 * LFS_DIGEST_LEN];

	if (lfs_oci_digest_parse(diff_id, NULL))
		return -EINVAL;
	if (!parent_chain) {
		memcpy(out, diff_id, LFS_DIGEST_LEN);
		return 0;
	}
	if (lfs_oci_digest_parse(parent_chain, NULL))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s %s", parent_chain, diff_id);
	lfs_oci_sha256_digest(buf, strlen(buf), out);
	return 0;
}

int lfs_oci_chain_name_check(const char *name, const struct lfs_oci_config *c,
			     char chain[LFS_DIGEST_LEN], struct lfs_err *e)
{
	size_t i, pl = strlen(LFS_CHAIN_PREFIX);
	char prev[LFS_DIGEST_LEN];

	if (!c->n_diff_ids) {
		lfs_err_set(e, 0, "the config has no diff_ids");
		return -EINVAL;
	}
	for (i = 0; i < c->n_diff_ids; i++) {
		memcpy(prev, chain, LFS_DIGEST_LEN);
		if (lfs_oci_chain_id(i ? prev : NULL, c->diff_ids[i], chain)) {
			lfs_err_set(e, 0, "bad diff_id");
			return -EINVAL;
		}
	}
	if (!lfs_is_chain_name(name) ||
	    !strcmp(name + pl, lfs_digest_hex(chain)))
		return 0;
	lfs_err_set(e, 0, "layer name '%s': names " LFS_CHAIN_PREFIX "HEX are reserved for the layer of that OCI chain id, and this image's top layer is " LFS_CHAIN_PREFIX "%s",
		    name, lfs_digest_hex(chain));
	return -EPERM;
}

/* ---- building ---- */

static int lfs_jadd_time(struct json_object *o, const char *key, uint64_t ns)
{
	char t[LFS_TIME_RFC3339_MAX];

	if (!ns)
		return 0;
	if (lfs_time_rfc3339(ns, t, sizeof(t)))
		return -1;
	return lfs_jadd_str(o, key, t);
}

/* The compact text of @o, malloc()ed; drops @o. */
static char *lfs_jfinish(struct json_object *o, int ok)
{
	const char *s;
	char *r = NULL;

	if (ok && o) {
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s)
			r = strdup(s);
	}
	json_object_put(o);
	return r;
}

static struct json_object *lfs_desc_new(const char *mt, const char *digest,
					uint64_t size)
{
	struct json_object *d = json_object_new_object();

	if (!d)
		return NULL;
	if (lfs_jadd_str(d, "mediaType", mt) ||
	    lfs_jadd_str(d, "digest", digest) ||
	    lfs_jadd(d, "size", json_object_new_int64((int64_t)size))) {
		json_object_put(d);
		return NULL;
	}
	return d;
}

char *lfs_oci_config_json(const struct lfs_oci_layer *layers, size_t n,
			  const struct lfs_platform *plat)
{
	struct json_object *c = json_object_new_object(), *rootfs, *ids, *hist;
	struct json_object *h;
	size_t i;
	int ok = 0;

	if (!c)
		return NULL;
	rootfs = json_object_new_object();
	ids = json_object_new_array();
	hist = json_object_new_array();
	if (!rootfs || !ids || !hist) {
		json_object_put(rootfs);
		json_object_put(ids);
		json_object_put(hist);
		goto out;
	}
	if (lfs_jadd_str(rootfs, "type", "layers") ||
	    json_object_object_add(rootfs, "diff_ids", ids)) {
		json_object_put(rootfs);
		json_object_put(ids);
		json_object_put(hist);
		goto out;
	}
	if (n && (lfs_jadd_time(c, "created", layers[n - 1].created_ns) ||
		  lfs_jadd_utf8(c, "author", layers[n - 1].author))) {
		json_object_put(rootfs);
		json_object_put(hist);
		goto out;
	}
	if (lfs_jadd_str(c, "architecture", plat->arch) ||
	    lfs_jadd_str(c, "os", plat->os) ||
	    (*plat->variant && lfs_jadd_str(c, "variant", plat->variant)) ||
	    lfs_jadd(c, "config", json_object_new_object()) ||
	    lfs_jadd(c, "rootfs", rootfs)) {
		json_object_put(hist);
		goto out;
	}
	if (lfs_jadd(c, "history", hist))
		goto out;
	for (i = 0; i < n; i++) {
		if (lfs_jappend(ids, json_object_new_string(layers[i].diff_id)))
			goto out;
		h = json_object_new_object();
		if (!h)
			goto out;
		if (lfs_jadd_time(h, "created", layers[i].created_ns) ||
		    lfs_jadd_utf8(h, "created_by", layers[i].created_by) ||
		    lfs_jadd_utf8(h, "author", layers[i].author) ||
		    lfs_jadd_utf8(h, "comment", layers[i].comment)) {
			json_object_put(h);
			goto out;
		}
		if (lfs_jappend(hist, h))
			goto out;
	}
	ok = 1;
out:
	return lfs_jfinish(c, ok);
}

char *lfs_oci_manifest_json(const char *config_digest, uint64_t config_size,
			    const struct lfs_oci_layer *layers, size_t n,
			    const char *ref_name)
{
	struct json_object *m = json_object_new_object(), *arr, *an;
	size_t i;
	int ok = 0;

	if (!m)
		return NULL;
	if (lfs_jadd(m, "schemaVersion", json_object_new_int(2)) ||
	    lfs_jadd_str(m, "mediaType", LFS_MT_MANIFEST) ||
	    lfs_jadd(m, "config", lfs_desc_new(LFS_MT_CONFIG, config_digest,
					       config_size)))
		goto out;
	arr = json_object_new_array();
	if (lfs_jadd(m, "layers", arr))
		goto out;
	for (i = 0; i < n; i++)
		if (lfs_jappend(arr, lfs_desc_new(layers[i].media_type,
						  layers[i].digest,
						  layers[i].size)))
			goto out;
	if (ref_name) {
		an = json_object_new_object();
		if (lfs_jadd(m, "annotations", an) ||
		    lfs_jadd_str(an, LFS_ANNOT_REF_NAME, ref_name))
			goto out;
	}
	ok = 1;
out:
	return lfs_jfinish(m, ok);
}

/* Adds "platform": {"architecture", "os"[, "variant"]} to @d. */
static int lfs_jadd_platform(struct json_object *d,
			     const struct lfs_platform *plat)
{
	struct json_object *p = json_object_new_object();

	if (lfs_jadd(d, "platform", p))
		return -1;
	return lfs_jadd_str(p, "architecture", plat->arch) ||
	       lfs_jadd_str(p, "os", plat->os) ||
	       (*plat->variant && lfs_jadd_str(p, "variant", plat->variant));
}

char *lfs_oci_index_json(const char *manifest_digest, uint64_t manifest_size,
			 const char *ref_name, const struct lfs_platform *plat)
{
	struct json_object *x = json_object_new_object(), *arr, *d, *an;
	int ok = 0;

	if (!x)
		return NULL;
	if (lfs_jadd(x, "schemaVersion", json_object_new_int(2)) ||
	    lfs_jadd_str(x, "mediaType", LFS_MT_INDEX))
		goto out;
	arr = json_object_new_array();
	if (lfs_jadd(x, "manifests", arr))
		goto out;
	d = lfs_desc_new(LFS_MT_MANIFEST, manifest_digest, manifest_size);
	if (lfs_jappend(arr, d))
		goto out;
	if (plat && lfs_jadd_platform(d, plat))
		goto out;
	if (ref_name) {
		an = json_object_new_object();
		if (lfs_jadd(d, "annotations", an) ||
		    lfs_jadd_str(an, LFS_ANNOT_REF_NAME, ref_name))
			goto out;
	}
	ok = 1;
out:
	return lfs_jfinish(x, ok);
}

char *lfs_oci_docker_manifest_json(const char *config_digest,
				   const struct lfs_oci_layer *layers, size_t n,
				   const char *repo_tag)
{
	struct json_object *arr = json_object_new_array(), *x, *tags, *ls;
	char path[sizeof(LFS_BLOB_DIR "/") + LFS_DIGEST_LEN];
	int ok = 0;
	size_t i;

	if (!arr)
		return NULL;
	x = json_object_new_object();
	if (lfs_jappend(arr, x))
		goto out;
	snprintf(path, sizeof(path), LFS_BLOB_DIR "/%s",
		 lfs_digest_hex(config_digest));
	if (lfs_jadd_str(x, "Config", path))
		goto out;
	tags = json_object_new_array();
	if (lfs_jadd(x, "RepoTags", tags) ||
	    (repo_tag && lfs_jappend(tags, json_object_new_string(repo_tag))))
		goto out;
	ls = json_object_new_array();
	if (lfs_jadd(x, "Layers", ls))
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), LFS_BLOB_DIR "/%s",
			 lfs_digest_hex(layers[i].digest));
		if (lfs_jappend(ls, json_object_new_string(path)))
			goto out;
	}
	ok = 1;
out:
	return lfs_jfinish(arr, ok);
}

enum lfs_layout_member lfs_oci_layout_member(const char *path, char *out,
					     size_t len)
{
	static const char *const files[] = {
		"oci-layout", "index.json", "manifest.json", "repositories",
	};
	struct lfs_err e = LFS_ERR_INIT;
	const char *hex;
	size_t i;

	if (lfs_oci_clean_path(path, out, len, &e))
		return LFS_MEMBER_BAD;
	if (!*out || !strcmp(out, "blobs") || !strcmp(out, LFS_BLOB_DIR))
		return LFS_MEMBER_DIR;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(out, files[i]))
			return LFS_MEMBER_FILE;
	if (strncmp(out, LFS_BLOB_DIR "/", sizeof(LFS_BLOB_DIR)))
		return LFS_MEMBER_OTHER;
	hex = out + sizeof(LFS_BLOB_DIR);
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return LFS_MEMBER_OTHER;
	return LFS_MEMBER_FILE;
}

const char *lfs_oci_layout_json(void)
{
	return "{\"imageLayoutVersion\":\"" LFS_MT_LAYOUT_VERSION "\"}";
}

/* ---- parsing ---- */

static struct json_object *lfs_jparse(const char *json, struct lfs_err *e)
{
	struct json_object *o;
	enum json_tokener_error jerr;

	o = json_tokener_parse_verbose(json, &jerr);
	if (!o) {
		lfs_err_set(e, 0, "not valid JSON");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		lfs_err_set(e, 0, "not a JSON object");
		return NULL;
	}
	return o;
}

/* Member @key of object @o if it has type @t, else NULL. */
static struct json_object *lfs_jget(struct json_object *o, const char *key,
				    enum json_type t)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

static const char *lfs_jstr(struct json_object *o, const char *key)
{
	struct json_object *v = lfs_jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

int lfs_oci_parse_layout(const char *json, struct lfs_err *e)
{
	struct json_object *o = lfs_jparse(json, e);
	const char *v;
	int rc = 0;

	if (!o)
		return -EINVAL;
	v = lfs_jstr(o, "imageLayoutVersion");
	if (!v) {
		lfs_err_set(e, 0, "no imageLayoutVersion");
		rc = -EINVAL;
	} else if (strncmp(v, "1.", 2)) {
		lfs_err_set(e, 0, "unsupported imageLayoutVersion '%s': want 1.x",
			    v);
		rc = -EINVAL;
	}
	json_object_put(o);
	return rc;
}

static int lfs_parse_desc(struct json_object *d, struct lfs_oci_desc *out,
			  struct lfs_err *e)
{
	const char *mt = lfs_jstr(d, "mediaType");
	const char *dg = lfs_jstr(d, "digest");
	struct json_object *sz = lfs_jget(d, "size", json_type_int);
	int64_t size;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(d, json_type_object) || !dg || !sz) {
		lfs_err_set(e, 0, "descriptor lacks digest or size");
		return -EINVAL;
	}
	if (lfs_oci_digest_parse(dg, NULL)) {
		lfs_err_set(e, 0, "descriptor digest is not sha256:<64 hex>");
		return -EINVAL;
	}
	size = json_object_get_int64(sz);
	if (size < 0) {
		lfs_err_set(e, 0, "descriptor size is negative");
		return -EINVAL;
	}
	if (mt && strlen(mt) >= sizeof(out->media_type)) {
		lfs_err_set(e, 0, "descriptor mediaType too long");
		return -EINVAL;
	}
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt ? mt : "");
	memcpy(out->digest, dg, LFS_DIGEST_LEN);
	out->size = (uint64_t)size;
	return 0;
}

static const char *lfs_desc_ref_name(struct json_object *d)
{
	return lfs_jstr(lfs_jget(d, "annotations", json_type_object),
			LFS_ANNOT_REF_NAME);
}

/* 1 if descriptor @d is a candidate: @ref is NULL or its annotation. */
static int lfs_index_named(struct json_object *d, const char *ref)
{
	const char *rn = lfs_desc_ref_name(d);

	return !ref || (rn && !strcmp(rn, ref));
}

/* Appends @d's platform to w->have ("os/arch[/variant]", ", "-joined). */
static void lfs_index_have(struct lfs_oci_want *w, struct json_object *plat)
{
	const char *v = lfs_jstr(plat, "variant");
	size_t used = strlen(w->have);

	snprintf(w->have + used, sizeof(w->have) - used, "%s%s/%s%s%s",
		 used ? ", " : "", lfs_jstr(plat, "os") ? lfs_jstr(plat, "os") : "?",
		 lfs_jstr(plat, "architecture") ?
		 lfs_jstr(plat, "architecture") : "?",
		 v && *v ? "/" : "", v && *v ? v : "");
}

/* The candidate that suits w->plat, or NULL (see lfs_oci_parse_index()). */
static struct json_object *lfs_index_pick(struct json_object *arr,
					  struct lfs_oci_want *w)
{
	struct json_object *d, *plat;
	const char *ref = w->ref;
	size_t i, n = json_object_array_length(arr), cands = 0;

	for (i = 0; ref && i < n; i++)
		cands += lfs_index_named(json_object_array_get_idx(arr, i), ref);
	if (!cands) {
		ref = NULL;
		cands = n;
	}
	w->have[0] = '\0';
	for (i = 0; i < n; i++) {
		d = json_object_array_get_idx(arr, i);
		if (!lfs_index_named(d, ref))
			continue;
		plat = lfs_jget(d, "platform", json_type_object);
		if (!plat) {
			if (cands == 1)
				return d;
			continue;
		}
		if (lfs_platform_match(w->plat, lfs_jstr(plat, "os"),
				       lfs_jstr(plat, "architecture"),
				       lfs_jstr(plat, "variant")))
			return d;
		lfs_index_have(w, plat);
	}
	return NULL;
}

int lfs_oci_parse_index(const char *json, struct lfs_oci_want *w,
			struct lfs_oci_desc *out, char **ref_name,
			struct lfs_err *e)
{
	struct json_object *o = lfs_jparse(json, e), *arr, *pick;
	const char *rn;
	int rc = -EINVAL;

	*ref_name = NULL;
	w->have[0] = '\0';
	if (!o)
		return -EINVAL;
	arr = lfs_jget(o, "manifests", json_type_array);
	if (!arr) {
		lfs_err_set(e, 0, "index has no manifests array");
		goto out;
	}
	if (!json_object_array_length(arr)) {
		lfs_err_set(e, 0, "index lists no manifest");
		rc = -ENOENT;
		goto out;
	}
	pick = lfs_index_pick(arr, w);
	if (!pick) {
		lfs_err_set(e, 0, "%s", w->have[0] ? "no manifest for the platform" :
			    "the index lists several manifests without a platform: name one");
		rc = -ENOENT;
		goto out;
	}
	rc = lfs_parse_desc(pick, out, e);
	if (rc)
		goto out;
	rn = lfs_desc_ref_name(pick);
	if (rn) {
		*ref_name = strdup(rn);
		if (!*ref_name)
			rc = lfs_err_set(e, -ENOMEM, "cannot keep its ref name");
	}
out:
	json_object_put(o);
	return rc;
}

int lfs_oci_parse_manifest(const char *json, struct lfs_oci_manifest *m,
			   struct lfs_err *e)
{
	struct json_object *o = lfs_jparse(json, e), *cfg, *arr;
	struct json_object *sv;
	size_t i, n;
	int rc = -EINVAL;

	memset(m, 0, sizeof(*m));
	if (!o)
		return -EINVAL;
	sv = lfs_jget(o, "schemaVersion", json_type_int);
	if (!sv || json_object_get_int(sv) != 2) {
		lfs_err_set(e, 0, "manifest schemaVersion is not 2");
		goto out;
	}
	cfg = lfs_jget(o, "config", json_type_object);
	arr = lfs_jget(o, "layers", json_type_array);
	if (!cfg || !arr) {
		lfs_err_set(e, 0, "manifest lacks config or layers");
		goto out;
	}
	if (lfs_parse_desc(cfg, &m->config, e))
		goto out;
	n = json_object_array_length(arr);
	if (n) {
		m->layers = calloc(n, sizeof(*m->layers));
		if (!m->layers) {
			rc = lfs_err_set(e, -ENOMEM, "cannot hold its layers");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (lfs_parse_desc(json_object_array_get_idx(arr, i),
				   &m->layers[i], e))
			goto out;
		m->n_layers = i + 1;
		if (!lfs_oci_layer_media_type_ok(m->layers[i].media_type)) {
			lfs_err_set(e, 0, "unsupported layer media type");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		lfs_oci_manifest_free(m);
	json_object_put(o);
	return rc;
}

void lfs_oci_manifest_free(struct lfs_oci_manifest *m)
{
	free(m->layers);
	m->layers = NULL;
	m->n_layers = 0;
}

static char *lfs_jdup(struct json_object *o, const char *key, int *oom)
{
	const char *s = lfs_jstr(o, key);
	char *r;

	if (!s || !*s)
		return NULL;
	r = strdup(s);
	if (!r)
		*oom = 1;
	return r;
}

int lfs_oci_parse_config(const char *json, struct lfs_oci_config *c,
			 struct lfs_err *e)
{
	struct json_object *o = lfs_jparse(json, e), *rootfs, *ids, *hist;
	struct json_object *h, *empty, *v;
	size_t i, j, n, nh;
	int rc = -EINVAL, oom = 0;
	const char *s;

	memset(c, 0, sizeof(*c));
	if (!o)
		return -EINVAL;
	rootfs = lfs_jget(o, "rootfs", json_type_object);
	ids = lfs_jget(rootfs, "diff_ids", json_type_array);
	if (!ids) {
		lfs_err_set(e, 0, "config lacks rootfs.diff_ids");
		goto out;
	}
	n = json_object_array_length(ids);
	if (n) {
		c->diff_ids = calloc(n, sizeof(*c->diff_ids));
		c->hist = calloc(n, sizeof(*c->hist));
		if (!c->diff_ids || !c->hist) {
			rc = lfs_err_set(e, -ENOMEM, "cannot hold its layers");
			goto out;
		}
	}
	c->n_diff_ids = n;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(ids, i);
		s = json_object_is_type(v, json_type_string) ?
			json_object_get_string(v) : NULL;
		if (!s || lfs_oci_digest_parse(s, NULL)) {
			lfs_err_set(e, 0, "config diff_id is not sha256:<64 hex>");
			goto out;
		}
		memcpy(c->diff_ids[i], s, LFS_DIGEST_LEN);
	}
	hist = lfs_jget(o, "history", json_type_array);
	nh = hist ? json_object_array_length(hist) : 0;
	for (i = 0, j = 0; i < nh && j < n; i++) {
		h = json_object_array_get_idx(hist, i);
		if (!json_object_is_type(h, json_type_object))
			continue;
		empty = lfs_jget(h, "empty_layer", json_type_boolean);
		if (empty && json_object_get_boolean(empty))
			continue;
		s = lfs_jstr(h, "created");
		if (s && lfs_oci_time_parse(s, &c->hist[j].created_ns))
			c->hist[j].created_ns = 0;
		c->hist[j].author = lfs_jdup(h, "author", &oom);
		c->hist[j].comment = lfs_jdup(h, "comment", &oom);
		if (!c->hist[j].comment)
			c->hist[j].comment = lfs_jdup(h, "created_by", &oom);
		j++;
	}
	if (oom) {
		rc = lfs_err_set(e, -ENOMEM, "cannot hold its history");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		lfs_oci_config_free(c);
	json_object_put(o);
	return rc;
}

void lfs_oci_config_free(struct lfs_oci_config *c)
{
	size_t i;

	for (i = 0; c->hist && i < c->n_diff_ids; i++) {
		free(c->hist[i].author);
		free(c->hist[i].comment);
	}
	free(c->hist);
	free(c->diff_ids);
	c->hist = NULL;
	c->diff_ids = NULL;
	c->n_diff_ids = 0;
}

static int lfs_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

int lfs_oci_time_parse(const char *s, uint64_t *ns)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh, om, sign;
	long frac = 0, scale = 100000000;
	time_t t;

	if (!s || lfs_digits(&s, 4, &y) || *s++ != '-' ||
	    lfs_digits(&s, 2, &mo) || *s++ != '-' || lfs_digits(&s, 2, &d) ||
	    (*s != 'T' && *s != 't' && *s != ' ') || !*s++ ||
	    lfs_digits(&s, 2, &h) || *s++ != ':' || lfs_digits(&s, 2, &mi) ||
	    *s++ != ':' || lfs_digits(&s, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970)
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		while (*s >= '0' && *s <= '9') {
			frac += (*s - '0') * scale;
			scale /= 10;
			s++;
		}
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (lfs_digits(&s, 2, &oh) || *s++ != ':' ||
		    lfs_digits(&s, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		t -= sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*s || t < 0)
		return -EINVAL;
	*ns = (uint64_t)t * 1000000000ULL + (uint64_t)frac;
	return 0;
}
