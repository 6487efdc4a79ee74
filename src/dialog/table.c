/* The dialog table: dialogs by id (Call-ID, local tag, remote tag) in a chained hash
 * table that doubles when it holds more dialogs than buckets, and the lookups that
 * route a received request or response to its dialog (RFC 3261 12.2.2, 481). */
#include <stdlib.h>
#include <string.h>

#include "dialog.h"

/* FNV-1a over the three parts, each followed by a separator byte so that moving a
 * byte from one part to the next changes the hash. */
static uint32_t fnv(uint32_t h, ou_slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 16777619u;
	}
	h ^= 0xff;
	return h * 16777619u;
}

static uint32_t id_hash(const dialog_id *id)
{
	uint32_t h = 2166136261u;
	h = fnv(h, id->call_id);
	h = fnv(h, id->local_tag);
	return fnv(h, id->remote_tag);
}

int dialog_table_init(dialog_table *t)
{
	t->count = 0;
	t->nbucket = DIALOG_TABLE_MIN_BUCKETS;
	t->bucket = calloc(t->nbucket, sizeof(dialog *));
	return t->bucket ? 0 : OPENUM_ENOMEM;
}

void dialog_table_free(dialog_table *t)
{
	for (size_t i = 0; t->bucket && i < t->nbucket; i++) {
		dialog *d = t->bucket[i];
		while (d) {
			dialog *next = d->hnext;
			dialog_free(d);
			d = next;
		}
	}
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

/* Doubling keeps chains short; a failed allocation only costs speed. */
static void grow(dialog_table *t)
{
	size_t n = t->nbucket * 2;
	dialog **nb = calloc(n, sizeof(dialog *));
	if (!nb)
		return;
	for (size_t i = 0; i < t->nbucket; i++) {
		dialog *d = t->bucket[i];
		while (d) {
			dialog *next = d->hnext;
			d->hnext = nb[d->hash & (n - 1)];
			nb[d->hash & (n - 1)] = d;
			d = next;
		}
	}
	free(t->bucket);
	t->bucket = nb;
	t->nbucket = n;
}

dialog *dialog_table_find(const dialog_table *t, const dialog_id *id)
{
	if (!t->bucket)
		return NULL;
	uint32_t h = id_hash(id);
	for (dialog *d = t->bucket[h & (t->nbucket - 1)]; d; d = d->hnext)
		if (d->hash == h && dialog_id_equal(&d->id, id))
			return d;
	return NULL;
}

int dialog_table_add(dialog_table *t, dialog *d)
{
	if (!t->bucket || !d)
		return OPENUM_EINVAL;
	if (dialog_table_find(t, &d->id))
		return OPENUM_EDUP;
	if (t->count >= t->nbucket)
		grow(t);
	d->hash = id_hash(&d->id);
	dialog **slot = &t->bucket[d->hash & (t->nbucket - 1)];
	d->hnext = *slot;
	*slot = d;
	t->count++;
	return 0;
}

void dialog_table_remove(dialog_table *t, dialog *d)
{
	if (!t->bucket || !d)
		return;
	for (dialog **p = &t->bucket[d->hash & (t->nbucket - 1)]; *p; p = &(*p)->hnext)
		if (*p == d) {
			*p = d->hnext;
			d->hnext = NULL;
			t->count--;
			return;
		}
}

int dialog_table_match_request(dialog_table *t, sip_msg *req, dialog **out, unsigned *status,
                               const char **why)
{
	dialog_id id;
	int err;

	*out = NULL;
	*status = 0;
	if ((err = dialog_id_of_request(req, &id, why))) {
		*status = 400;
		return err;
	}
	if (!id.local_tag.n)
		return OPENUM_ENOTFOUND; /* outside any dialog: maybe a new one */
	dialog *d = dialog_table_find(t, &id);
	if (!d) {
		/* 12.2.2: no ACK is ever answered; others learn the dialog is gone */
		if (req->method != SIP_METHOD_ACK)
			*status = 481;
		if (why)
			*why = "Call/Transaction Does Not Exist";
		return OPENUM_ENOTFOUND;
	}
	if ((err = dialog_check_request(d, req, status, why)))
		return err;
	*out = d;
	return 0;
}

dialog *dialog_table_match_response(dialog_table *t, sip_msg *resp)
{
	dialog_id id;
	if (dialog_id_of_response(resp, &id, NULL))
		return NULL;
	return dialog_table_find(t, &id);
}
