/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to layerctl pull: the command (pull.c) and one layer's blob
 * streamed from the registry into its extraction (pull_layer.c).
 */
#ifndef LAYERCTL_PULL_H
#define LAYERCTL_PULL_H

#include <linux/layerfs.h>

#include "oci.h"
#include "ocireg_client.h"
#include "ocitar.h"
#include "regcmd.h"
#include "store.h"
#include "storemeta.h"
#include "xferview.h"

#define LFS_NAME_BUF (LAYERFS_NAME_MAX + 1)

/* One layer of the image, bottom first. */
struct lfs_pull_layer {
	char name[LFS_NAME_BUF];	/* REF, or oci/chain:HEX */
	int shared;			/* registered already: used as it is */
	char key[LFS_KEY_LEN + 1];	/* its staging directory, or "" */
	char *diff;			/* ROOT/layers/KEY/diff */
	struct lfs_tar_import_stats ist;	/* once extracted */
	int registered;			/* by this pull */
	size_t row;			/* in the view */
};

struct lfs_pull {
	const char *source;
	const char *ref;		/* REF, or NULL: name */
	struct lfs_reg_xfer_opts o;
	struct lfs_tar_limits limits;
	struct lfs_reg_ref from;
	struct lfs_platform plat;
	char name[LFS_NAME_BUF];	/* the top layer's name */
	struct lfs_reg reg;
	struct lfs_nl *nl;
	struct lfs_store st;
	char *mtext;
	size_t mlen;
	struct lfs_oci_desc mdesc;
	struct lfs_oci_manifest man;
	struct lfs_oci_config cfg;
	struct lfs_pull_layer *L;	/* man.n_layers */
	size_t *todo;			/* the layers to download */
	size_t n_todo;
	unsigned int fetched, skipped;
	struct lfs_xv view;
};

/* Pool item @i: layer todo[i] downloaded into its extraction, checked. */
int lfs_pull_layer(void *arg, size_t i, struct lfs_reg *reg,
		   struct lfs_err *e);

#endif /* LAYERCTL_PULL_H */
