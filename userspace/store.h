/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layer store: files under the store root (layout in storemeta.h).
 * This is the only code that writes the store.  Every metadata file is
 * written to a temporary file in the same directory, fsynced, renamed into
 * place and the directory fsynced, so that a crash leaves the old record
 * or the new one.  New directories are fsynced into their parents.
 *
 * Functions return 0 or a negative errno; where they take @e, a failure
 * leaves there what failed ("cannot create /x/layers"; see err.h).
 */
#ifndef LAYERCTL_STORE_H
#define LAYERCTL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dirguard.h"
#include "err.h"
#include "layerinfo.h"
#include "storemeta.h"

struct lfs_store {
	char *root;		/* canonical absolute path */
	int fd;			/* the root, O_DIRECTORY */
	int layers_fd;		/* ROOT/layers */
	int views_fd;		/* ROOT/views */
	int lock_fd;		/* ROOT/.lock, flock()ed shared; -1 if none */
	struct lfs_dirguard guard;	/* layers/.new-KEY (see below) */
};

#define LFS_STORE_INIT { NULL, -1, -1, -1, -1, LFS_DIRGUARD_INIT }

/* The store root to use: @opt (--store) if set, else $LAYERFS_STORE, else
 * LFS_STORE_DEFAULT. */
const char *lfs_store_root(const char *opt);

/*
 * Opens the store at @root.  With @create, makes ROOT, ROOT/layers and
 * ROOT/views as needed (mode 0700 for ROOT when new); without, fails with
 * -ENOENT if ROOT/layers is missing.  @e gets the reason only ("not an
 * absolute path", "cannot create"): the caller names the store
 * (lfs_ctx_store(): "store 'ROOT': ...").
 *
 * Every open store holds a shared flock() on ROOT/.lock until
 * lfs_store_close(), so that `layerctl prune` (lfs_store_lock_exclusive())
 * never sees the directories a mount, commit or import is still making
 * (they belong to no mounted view and no record yet).  A store whose lock
 * file cannot be opened (read-only, not ours) is used without the lock.
 */
int lfs_store_open(struct lfs_store *st, const char *root, int create,
		   struct lfs_err *e);
void lfs_store_close(struct lfs_store *st);

/*
 * Turns @st's shared lock into an exclusive one: waits until no other
 * process has the store open.  0, or a negative errno (-ENOLCK if @st
 * has no lock file).
 */
int lfs_store_lock_exclusive(struct lfs_store *st);

/*
 * ROOT/.index-lock: held (flock, exclusive) by whoever builds an index in
 * the store (index_store.c, index_bg.c), so that a layer's index is built
 * after its parent's (a commit's, built in the background), that two
 * builders never write the same file, and that no layer directory is
 * removed under a build (lfs_store_layer_remove()).
 */
#define LFS_STORE_INDEX_LOCK ".index-lock"

/*
 * Waits for and takes the index lock: a descriptor for
 * lfs_store_index_unlock(), or -1 where the store cannot hold one
 * (read-only: then nothing is built in it either).
 */
int lfs_store_index_lock(const struct lfs_store *st);
void lfs_store_index_unlock(int lockfd);

/*
 * ROOT/.records-lock: held (flock, exclusive) by whoever changes a record
 * from what it read (a tag added or removed, a size cached, a layer
 * removed once it was checked to have no tags, a view's record after a
 * commit) or records a layer after finding it unrecorded (commit's and
 * `layer add`'s ancestors), from the read to the write, so that two
 * such changes at once neither lose one nor make two records of one
 * layer.  Records written new under a new key (an import's) need not
 * hold it.
 */
#define LFS_STORE_RECORDS_LOCK ".records-lock"

/*
 * Waits for and takes the records lock: a descriptor for
 * lfs_store_records_unlock(), or -1 where the store cannot hold one
 * (read-only: then no record is written either).  Not nested: a process
 * that holds it waits for itself if it takes it again.
 */
int lfs_store_records_lock(const struct lfs_store *st);
void lfs_store_records_unlock(int lockfd);

/* A new random key (LFS_KEY_LEN + 1 bytes). */
int lfs_store_new_key(char *key);

/*
 * Creates ROOT/layers/KEY/diff, empty, for a new random KEY (copied to
 * @key); *@diff receives its path (free() it).
 */
int lfs_store_layer_create(struct lfs_store *st, char *key, char **diff,
			   struct lfs_err *e);

/*
 * A layer that import, load or pull extracts is made in
 * ROOT/layers/.new-KEY and renamed KEY once all its files are on disk,
 * just before its record is written: what a signal or a crash leaves
 * half extracted is then a .new-KEY, which prune deletes as it deletes a
 * .rm-KEY, never an uncommitted upper (a KEY without a record) whose
 * changes prune keeps without -f.  Writers hold the store's shared lock,
 * so prune (exclusive) never sees one that is being written.  And the
 * store's watcher (dirguard.h, started by the first, holding the lock
 * while it works) deletes the .new-KEY directories not yet renamed when
 * the process dies, so that a pull interrupted by Ctrl-C leaves nothing
 * for prune either; without one (fork failed) prune still does.
 * lfs_store_close() ends the watch.
 */
#define LFS_NEW_PREFIX ".new-"
/* ".new-KEY" and its NUL */
#define LFS_NEW_NAME_LEN (sizeof(LFS_NEW_PREFIX) + LFS_KEY_LEN)

/*
 * Creates ROOT/layers/.new-KEY/diff, empty, for a new random KEY (copied
 * to @key) free as KEY too; *@diff receives the path of that diff (free()
 * it).  lfs_store_layer_remove(@key) removes it too.
 */
int lfs_store_layer_create_new(struct lfs_store *st, char *key, char **diff,
			       struct lfs_err *e);

/*
 * Renames ROOT/layers/.new-@key to @key (not over anything) and syncs
 * layers/; *@diff is freed and receives the new diff's path.
 */
int lfs_store_layer_publish(struct lfs_store *st, const char *key,
			    char **diff, struct lfs_err *e);

/* Creates ROOT/layers/KEY (no diff: for a layer whose contents live
 * elsewhere). */
int lfs_store_layer_create_bare(struct lfs_store *st, char *key, struct lfs_err *e);

/*
 * ROOT/layers/@key itself, flock()ed exclusively: held by a commit of
 * the view whose upper is ROOT/layers/KEY/diff from before the kernel
 * makes that upper a layer until its record and the view's are written
 * (commit.c), and by lfs_store_layer_discard() from its check that KEY
 * has no record to the removal, so that a discard (umount of the view)
 * never removes a layer's diff, or its directory, under a commit that
 * has yet to write its record.  A descriptor for
 * lfs_store_layer_unlock(), or a negative errno (-ENOENT: no such
 * directory).  Whoever holds it may take the records lock, never the
 * other way round: lfs_store_layer_discard() is not called under the
 * records lock.  Not nested (as lfs_store_records_lock()).
 */
int lfs_store_layer_lock(const struct lfs_store *st, const char *key);

/* Releases it (explicitly: a child forked meanwhile may share the
 * descriptor). */
void lfs_store_layer_unlock(int lockfd);

/*
 * Removes ROOT/layers/@key if it holds nothing but an empty diff
 * directory (undoing lfs_store_layer_create*()) and the store's own
 * temporary files (tmpname.h: left by a crash); -ENOTEMPTY otherwise,
 * the diff of a layer with a record (an empty layer) included.  Under
 * the key's lock (lfs_store_layer_lock()): waits for a commit of the
 * upper there to write its record.
 */
int lfs_store_layer_discard(struct lfs_store *st, const char *key);

/* Writes ROOT/layers/m->key/meta.json atomically. */
int lfs_store_layer_write_meta(struct lfs_store *st, const struct lfs_meta *m,
			       struct lfs_err *e);

/* Reads ROOT/layers/@key/meta.json; -ENOENT if it has none. */
int lfs_store_layer_read_meta(const struct lfs_store *st, const char *key,
			      struct lfs_meta *m, struct lfs_err *e);

/* The records of a store. */
struct lfs_meta_list {
	struct lfs_meta **v;
	size_t n, cap;
	struct lfs_strv bad;	/* "KEY: why" for unreadable records */
};

#define LFS_META_LIST_INIT { NULL, 0, 0, LFS_STRV_INIT }

/*
 * Reads every ROOT/layers/KEY/meta.json (directories without one are
 * uncommitted uppers and skipped; unreadable ones are listed in l->bad).
 */
int lfs_store_layer_list(const struct lfs_store *st, struct lfs_meta_list *l,
			 struct lfs_err *e);
void lfs_meta_list_free(struct lfs_meta_list *l);

/*
 * Removes ROOT/layers/@key: renamed away first (the record disappears
 * atomically), then deleted, diff included, without crossing into other
 * filesystems.  Contents outside the store are not touched.
 */
int lfs_store_layer_remove(struct lfs_store *st, const char *key, struct lfs_err *e);

/*
 * The KEY of @name if it is a ".rm-KEY" (left by an interrupted
 * lfs_store_layer_remove()) or a ".new-KEY" (an extraction that never
 * completed), else NULL.
 */
const char *lfs_store_hidden_key(const char *name);

/* Deletes ROOT/layers/@name, one of those. */
int lfs_store_remove_hidden(struct lfs_store *st, const char *name);

/* Bytes in regular files and symlinks, and non-directory entries, under
 * @dir (not crossing filesystems). */
int lfs_store_usage(const char *dir, uint64_t *size, uint64_t *files);

/* Computes @m's size and file count if unknown and stores them in its
 * meta.json (best effort: a failure to write is ignored). */
int lfs_store_layer_usage(struct lfs_store *st, struct lfs_meta *m);

/*
 * Creates ROOT/views/VKEY/work, empty, for a new random VKEY (copied to
 * @vkey); *@work receives its path (free() it).
 */
int lfs_store_view_create(struct lfs_store *st, char *vkey, char **work,
			  struct lfs_err *e);

/* Removes ROOT/views/@vkey and everything in it. */
int lfs_store_view_remove(struct lfs_store *st, const char *vkey);

/* Writes ROOT/views/v->key/view.json atomically. */
int lfs_store_view_write_meta(struct lfs_store *st,
			      const struct lfs_view_meta *v, struct lfs_err *e);

/*
 * Finds the store view whose work directory is @work (ROOT/views/VKEY/work)
 * and reads its record into @v.  -ENOENT if @work is not a store view's.
 */
int lfs_store_view_find(struct lfs_store *st, const char *work,
			struct lfs_view_meta *v);

/* Reads the record of store view @key (ROOT/views/KEY/view.json);
 * -EINVAL if it is not valid or is another key's. */
int lfs_store_view_read(struct lfs_store *st, const char *key,
			struct lfs_view_meta *v);

/*
 * Writes @data to @name in directory @dirfd atomically, mode 0644
 * (lfs_write_file_atomic(): a temporary file of its own, so concurrent
 * writers of @name never share one; fsync, rename, fsync of the
 * directory); -ENOMEM if @data failed to grow.  The last rename wins: a
 * change made from what the file held needs lfs_store_records_lock().
 */
int lfs_store_write_atomic(int dirfd, const char *name,
			   const struct lfs_buf *data);

#endif /* LAYERCTL_STORE_H */
