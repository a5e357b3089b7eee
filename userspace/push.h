/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to layerctl push: the command (push.c) and one layer's blob
 * (push_layer.c: known and present, mounted, uploaded from the blob the
 * store keeps, or compressed and streamed up as it is produced).
 */
#ifndef LAYERCTL_PUSH_H
#define LAYERCTL_PUSH_H

#include "chain.h"
#include "layerdg.h"
#include "oci.h"
#include "ocireg_client.h"
#include "regcmd.h"
#include "store.h"
#include "xferview.h"

struct lfs_push {
	const char *ref;		/* the local image */
	const char *dest;
	struct lfs_reg_xfer_opts o;
	struct lfs_reg_ref to;
	struct lfs_platform plat;
	char *name;			/* REF resolved */
	struct lfs_chain chain;		/* top first */
	struct lfs_oci_layer *ol;	/* bottom first */
	struct lfs_layerdg *dg;		/* what to record, per layer */
	char *mtext;			/* the manifest */
	char mdigest[LFS_DIGEST_LEN];
	char cdigest[LFS_DIGEST_LEN];	/* the config's */
	struct lfs_reg reg;
	struct lfs_xv view;
	const char *root;		/* the store's */
	struct lfs_store st;		/* opened: its shared lock held */
	int rootfd;			/* st.fd, or -1: no store */
	int keep;			/* keep what is compressed */
	unsigned int uploaded, present, mounted;
};

/* Pool item @i: layer @i (bottom first) into the repository. */
int lfs_push_layer(void *arg, size_t i, struct lfs_reg *reg,
		   struct lfs_err *e);

/*
 * Blob @digest of @size bytes, known before any upload: present (1),
 * mounted from another repository (2, after its line), or neither (0,
 * with the started upload's URL in @loc, or @loc "" if not started).
 */
int lfs_push_known(struct lfs_push *p, struct lfs_reg *reg, size_t row,
		   const char *digest, uint64_t size, char *loc);

#endif /* LAYERCTL_PUSH_H */
