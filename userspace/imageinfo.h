/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The docker image verbs' pure parts (imageinfo.c): the JSON of
 * `layerctl inspect` and the change list of `layerctl diff`.  No I/O:
 * inspect.c computes the digests, diff.c walks the directories.
 */
#ifndef LAYERCTL_IMAGEINFO_H
#define LAYERCTL_IMAGEINFO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "oci.h"

struct lfs_json;

/* What inspect shows of one image, as `layerctl save` would write it. */
struct lfs_inspect {
	const char *ref;
	const char *manifest_digest;
	uint64_t manifest_size;
	const char *config_digest;
	const char *config;		/* the config's JSON text */
	const struct lfs_oci_layer *layers;	/* bottom first */
	const char *const *names;	/* the layers' names, bottom first */
	const char *const *paths;	/* their directories (NULL: none) */
	size_t n;
};

/*
 * Adds one object to @j:
 *   {"ref":REF,"digest":MANIFEST,"manifest_size":N,"id":CONFIG,
 *    "chain_id":TOP,"diff_ids":[...],"layers":[{"ref","path","digest",
 *    "diff_id","chain_id","size","media_type"}...],"config":{...},
 *    "history":[...]}
 * layers, diff_ids and history bottom first; "config" is the config
 * document itself, "history" its history.  0, or -EINVAL with the reason
 * in @e (a malformed digest or config).  Not in the LAYERCTL_OCI=0 build.
 */
int lfs_inspect_json(struct lfs_json *j, const struct lfs_inspect *in,
		     struct lfs_err *e);

/* docker diff's kinds. */
enum lfs_change_kind {
	LFS_CHANGE_MODIFIED = 'C',
	LFS_CHANGE_ADDED = 'A',
	LFS_CHANGE_DELETED = 'D',
};

struct lfs_change {
	char kind;	/* enum lfs_change_kind */
	char *path;	/* "/etc/passwd" */
};

struct lfs_changes {
	struct lfs_change *v;
	size_t n, cap;
};

#define LFS_CHANGES_INIT { NULL, 0, 0 }

/* Appends a copy of @path with @kind.  0 or -ENOMEM. */
int lfs_changes_add(struct lfs_changes *c, char kind, const char *path);
void lfs_changes_free(struct lfs_changes *c);

/*
 * The kind of the upper's entry: a whiteout deletes, anything else
 * changes what the stack below has at that path (@below) or adds.
 */
char lfs_change_kind(int whiteout, int below);

/*
 * `diff` output, sorted by path: "KIND PATH" lines (paths escaped as
 * names are), or with @json a JSON array of {"kind":"C","path":...}.
 */
void lfs_fmt_changes(struct lfs_buf *b, struct lfs_changes *c, int json);

#endif /* LAYERCTL_IMAGEINFO_H */
