/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI interop, the pure part (no I/O): tar path sanitising, the mapping
 * between the overlayfs layer format and OCI whiteouts, sha256 digest
 * strings, chain ids, and building and parsing the JSON documents of an
 * OCI image layout (json-c).  Used by export.c, import.c, save.c, load.c
 * and the tar code (ocitar.h), and unit-tested in tests/unit/check_oci.c.
 */
#ifndef LAYERCTL_OCI_H
#define LAYERCTL_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "platform.h"

/* A digest is "sha256:" + 64 hex digits; the blob's file is named by the
 * digits, in LFS_BLOB_DIR of an OCI layout. */
#define LFS_DIGEST_PREFIX	"sha256:"
#define LFS_DIGEST_PREFIX_LEN	(sizeof(LFS_DIGEST_PREFIX) - 1)
#define LFS_DIGEST_LEN		(LFS_DIGEST_PREFIX_LEN + 64 + 1)
#define LFS_BLOB_DIR		"blobs/sha256"

/* The hex digits of the digest @d ("sha256:HEX"). */
static inline const char *lfs_digest_hex(const char *d)
{
	return d + LFS_DIGEST_PREFIX_LEN;
}
#define LFS_SHA256_LEN		32

#define LFS_WH_PREFIX		".wh."
#define LFS_WH_OPAQUE		".wh..wh..opq"

#define LFS_MT_LAYOUT_VERSION	"1.0.0"
#define LFS_MT_INDEX		"application/vnd.oci.image.index.v1+json"
#define LFS_MT_MANIFEST		"application/vnd.oci.image.manifest.v1+json"
#define LFS_MT_CONFIG		"application/vnd.oci.image.config.v1+json"
#define LFS_MT_LAYER		"application/vnd.oci.image.layer.v1.tar"
#define LFS_MT_LAYER_GZIP	"application/vnd.oci.image.layer.v1.tar+gzip"
#define LFS_MT_LAYER_ZSTD	"application/vnd.oci.image.layer.v1.tar+zstd"
#define LFS_MT_DOCKER_MANIFEST	"application/vnd.docker.distribution.manifest.v2+json"
#define LFS_MT_DOCKER_LIST	"application/vnd.docker.distribution.manifest.list.v2+json"
#define LFS_MT_DOCKER_CONFIG	"application/vnd.docker.container.image.v1+json"
#define LFS_MT_DOCKER_LAYER	"application/vnd.docker.image.rootfs.diff.tar.gzip"
#define LFS_ANNOT_REF_NAME	"org.opencontainers.image.ref.name"

enum lfs_compress {
	LFS_COMPRESS_NONE,
	LFS_COMPRESS_GZIP,
	LFS_COMPRESS_ZSTD,
};

/* The layer media type for @c. */
const char *lfs_oci_layer_media_type(enum lfs_compress c);

/*
 * Whether @mt is a layer media type layerctl can import (OCI tar, +gzip,
 * +zstd, Docker's rootfs.diff.tar.gzip): 1 or 0.
 */
int lfs_oci_layer_media_type_ok(const char *mt);

/*
 * Cleans a tar entry's path into @out (@len bytes): leading "./" and
 * redundant "/" and "." components are dropped, a trailing "/" too.  The
 * root itself ("." or "./") becomes "".  Refused, with the reason in @e
 * and -EINVAL returned: an empty path, an absolute path, a
 * ".." component; -ENAMETOOLONG if it does not fit.  Returns 0.
 */
int lfs_oci_clean_path(const char *in, char *out, size_t len,
		       struct lfs_err *e);

/* What a tar entry's base name means in the OCI layer format. */
enum lfs_wh_kind {
	LFS_WH_NONE,	/* an ordinary name */
	LFS_WH_FILE,	/* ".wh.NAME": NAME is deleted */
	LFS_WH_OPQ,	/* ".wh..wh..opq": the directory is opaque */
	LFS_WH_BAD,	/* ".wh." alone, ".wh..wh.*" other than opq, ".wh.." */
};

/*
 * Classifies base name @name; for LFS_WH_FILE *@target points into @name
 * at the deleted name.
 */
enum lfs_wh_kind lfs_oci_whiteout_kind(const char *name, const char **target);

/* ".wh." + @name into @out: 0 or -ENAMETOOLONG. */
int lfs_oci_whiteout_name(const char *name, char *out, size_t len);

/*
 * 1 if xattr @name is layer-format bookkeeping that never travels in a
 * tarball (trusted.overlay.*, trusted.layerfs.*), else 0.
 */
int lfs_oci_xattr_private(const char *name);

/*
 * The append-only and immutable flags of a layer object, which travel in
 * a tarball as the entry's file flags (PAX SCHILY.fflags "sappnd",
 * "schg", as bsdtar writes and restores them).  In a layer they are the
 * object's real inode flags or, for an object a view copied up, the
 * private xattr LFS_PROTATTR_XATTR: "a" and/or "i", as overlayfs writes it.
 */
#define LFS_PROTATTR_XATTR	"trusted.overlay.protattr"

/*
 * The flags (FS_APPEND_FL, FS_IMMUTABLE_FL) of an object whose real flags
 * are @real (FS_IOC_GETFLAGS bits; only those two count) and whose
 * LFS_PROTATTR_XATTR is @v of @len bytes (@len 0: none).  A value with
 * any other byte gives no flags, as the kernel reads it.
 */
unsigned long lfs_oci_protflags(unsigned long real, const char *v, size_t len);

/*
 * The LFS_PROTATTR_XATTR value for flags @fl (the two above; others are
 * ignored) into @out: its length, 0 for none.
 */
size_t lfs_oci_protattr(unsigned long fl, char out[2]);

/* "sha256:" + lower-case hex of @md into @out (LFS_DIGEST_LEN bytes). */
void lfs_oci_digest_format(const unsigned char md[LFS_SHA256_LEN],
			   char out[LFS_DIGEST_LEN]);

/*
 * Parses "sha256:<64 lower-case hex>" into @md (may be NULL to only
 * validate).  0 or -EINVAL.
 */
int lfs_oci_digest_parse(const char *s, unsigned char md[LFS_SHA256_LEN]);

/* SHA-256 of @len bytes at @p as a digest string. */
void lfs_oci_sha256_digest(const void *p, size_t len, char out[LFS_DIGEST_LEN]);

/*
 * The chain id of a layer (OCI image-spec config.md): for the bottom layer
 * (@parent_chain NULL) its diff_id, else sha256 of "PARENT_CHAIN DIFF_ID".
 * 0 or -EINVAL for malformed digests.
 */
int lfs_oci_chain_id(const char *parent_chain, const char *diff_id,
		     char out[LFS_DIGEST_LEN]);

/* One layer of an image, as save writes it. */
struct lfs_oci_layer {
	char digest[LFS_DIGEST_LEN];	/* blob */
	char diff_id[LFS_DIGEST_LEN];	/* uncompressed tar */
	uint64_t size;			/* blob bytes */
	const char *media_type;
	/* history */
	uint64_t created_ns;		/* 0: none */
	const char *author;		/* NULL: none */
	const char *comment;
	const char *created_by;
};

/*
 * Image config JSON (application/vnd.oci.image.config.v1+json) for
 * @layers[0..n-1], bottom layer first: created/author of the top layer,
 * architecture/os/variant of @plat (variant only if set), rootfs.diff_ids
 * and one history entry per layer.  Compact and deterministic.
 * malloc()ed, or NULL if out of memory.
 */
char *lfs_oci_config_json(const struct lfs_oci_layer *layers, size_t n,
			  const struct lfs_platform *plat);

/* Image manifest JSON for the config blob and @layers (bottom first). */
char *lfs_oci_manifest_json(const char *config_digest, uint64_t config_size,
			    const struct lfs_oci_layer *layers, size_t n,
			    const char *ref_name);

/*
 * index.json with one manifest, annotated with @ref_name (may be NULL),
 * for @plat (NULL: no platform).
 */
char *lfs_oci_index_json(const char *manifest_digest, uint64_t manifest_size,
			 const char *ref_name, const struct lfs_platform *plat);

/*
 * manifest.json of a `docker save` archive for the same image, so that
 * `docker load` reads the layout in a tar too:
 *   [{"Config":"blobs/sha256/HEX","RepoTags":[REPO_TAG],"Layers":[...]}]
 * (@repo_tag NULL: no tag).  malloc()ed, or NULL if out of memory.
 */
char *lfs_oci_docker_manifest_json(const char *config_digest,
				   const struct lfs_oci_layer *layers, size_t n,
				   const char *repo_tag);

/* What a member of an image archive (a layout in a tar) is to load. */
enum lfs_layout_member {
	LFS_MEMBER_BAD,		/* an unsafe path ("..", absolute): refuse */
	LFS_MEMBER_DIR,		/* the root, blobs, blobs/sha256 */
	LFS_MEMBER_FILE,	/* oci-layout, index.json, manifest.json,
				 * repositories, blobs/sha256/<64 hex> */
	LFS_MEMBER_OTHER,	/* anything else: skipped */
};

/*
 * Classifies the tar member @path; its clean form (lfs_oci_clean_path())
 * goes into @out (@len bytes).
 */
enum lfs_layout_member lfs_oci_layout_member(const char *path, char *out,
					     size_t len);

/* The oci-layout file's content. */
const char *lfs_oci_layout_json(void);

/* A content descriptor as parsed. */
struct lfs_oci_desc {
	char media_type[128];
	char digest[LFS_DIGEST_LEN];
	uint64_t size;
};

/* Parses oci-layout: 0, or -EINVAL with the reason in @e. */
int lfs_oci_parse_layout(const char *json, struct lfs_err *e);

/* What load wants from an index. */
struct lfs_oci_want {
	const char *ref;		/* a ref.name annotation, or NULL */
	const struct lfs_platform *plat;
	char have[512];			/* out: the platforms of the candidates
					 * when none matched, ", "-separated */
};

/*
 * Picks a manifest from an index (index.json or a nested index).  The
 * candidates: the manifests whose ref.name annotation is @w->ref if any
 * is, else all.  Of those, the first whose platform matches @w->plat
 * (lfs_platform_match()); a candidate without a platform is taken only
 * if it is the only one.  *@ref_name receives a malloc()ed copy of its
 * ref.name annotation (NULL if none).  0, or -EINVAL / -ENOENT / -ENOMEM
 * with the reason in @e; when no platform matched, @w->have lists the candidates'.
 */
int lfs_oci_parse_index(const char *json, struct lfs_oci_want *w,
			struct lfs_oci_desc *out, char **ref_name,
			struct lfs_err *e);

/* A parsed image manifest. */
struct lfs_oci_manifest {
	struct lfs_oci_desc config;
	struct lfs_oci_desc *layers;	/* bottom first; free() */
	size_t n_layers;
};

int lfs_oci_parse_manifest(const char *json, struct lfs_oci_manifest *m,
			   struct lfs_err *e);
void lfs_oci_manifest_free(struct lfs_oci_manifest *m);

/* The history of one layer as parsed from a config (strings malloc()ed). */
struct lfs_oci_hist {
	uint64_t created_ns;	/* 0: none */
	char *author;
	char *comment;
};

/* A parsed image config: what load needs. */
struct lfs_oci_config {
	char (*diff_ids)[LFS_DIGEST_LEN];	/* bottom first */
	size_t n_diff_ids;
	struct lfs_oci_hist *hist;		/* one per diff_id */
};

/*
 * Parses an image config: rootfs.diff_ids (required), and history entries
 * that are not empty_layer matched to them in order (missing ones zero).
 */
int lfs_oci_parse_config(const char *json, struct lfs_oci_config *c,
			 struct lfs_err *e);
void lfs_oci_config_free(struct lfs_oci_config *c);

/*
 * Whether @name may name the top layer of the image of config @c: load
 * and pull name lower layers oci/chain:HEX (LFS_CHAIN_PREFIX, storemeta.h)
 * after their chain id, and a later load or pull uses a layer of that
 * name as it is, unchecked; so a name with that prefix is only the
 * image's own top chain id.  0 (the top chain id in @chain), -EINVAL for
 * a config without diff_ids or a bad one, -EPERM for a name that claims
 * another chain (@e says so, naming the one it would be).
 */
int lfs_oci_chain_name_check(const char *name, const struct lfs_oci_config *c,
			     char chain[LFS_DIGEST_LEN], struct lfs_err *e);

/*
 * Parses an RFC 3339 time ("2026-11-28T23:00:00.123456789Z", offsets
 * "+01:00" too) into ns since the epoch.  0 or -EINVAL.
 */
int lfs_oci_time_parse(const char *s, uint64_t *ns);

#endif /* LAYERCTL_OCI_H */
