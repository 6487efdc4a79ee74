/* bench/peer_osip.c: the GNU oSIP2 driver of the parse benchmark.
 *
 * What it measures, per message: osip_message_init() + osip_message_parse() +
 * osip_message_free(). oSIP's parse is eager and allocating: it copies the input, then
 * parses the Request-URI and every header it knows into malloc'd structs and strings
 * (every Via, From, To, Call-ID, CSeq, every Contact, Content-Length, Content-Type,
 * Route, Record-Route, Allow, Authorization, WWW-Authenticate, ...), keeps the others
 * (Max-Forwards, Diversion, History-Info, Ms-*) as lowercased name/value copies, and
 * copies the body. Like openum's decode it does not parse the SDP. We then read the
 * fields openum's decode yields (Max-Forwards and Content-Length as numbers) and look
 * up the Ms- headers by name. */
#include "peers.h"

#ifdef HAVE_OSIP

#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int osip_init_(void)
{
	if (parser_init() != 0) {
		fprintf(stderr, "osip: parser_init failed\n");
		return -1;
	}
	return 0;
}

static int osip_decode(void *state, const char *buf, size_t len, const char **why)
{
	osip_message_t *sip;
	osip_list_iterator_t it;
	osip_via_t *via;
	osip_contact_t *contact;
	osip_header_t *h;
	int err = 0;

	(void)state;
	if (osip_message_init(&sip) != 0) {
		*why = "osip_message_init failed";
		return -1;
	}
	if (osip_message_parse(sip, buf, len) != 0) {
		*why = "osip_message_parse failed";
		err = -1;
		goto out;
	}
	if (osip_list_size(&sip->vias) < 1 || !sip->from || !sip->to || !sip->call_id ||
	    !sip->cseq || (MSG_IS_REQUEST(sip) && !sip->req_uri)) {
		*why = "a mandatory header is missing";
		err = -1;
		goto out;
	}
	if (MSG_IS_REQUEST(sip) && strcmp(sip->sip_method, sip->cseq->method) != 0) {
		*why = "CSeq method differs from the request method";
		err = -1;
		goto out;
	}

	for (via = osip_list_get_first(&sip->vias, &it); via; via = osip_list_get_next(&it))
		bench_sink += (uintptr_t)via->host;
	for (contact = osip_list_get_first(&sip->contacts, &it); contact;
	     contact = osip_list_get_next(&it))
		bench_sink += (uintptr_t)contact->url;
	if (osip_message_get_max_forwards(sip, 0, &h) >= 0 && h->hvalue)
		bench_sink += strtoul(h->hvalue, NULL, 10);
	if (sip->content_length && sip->content_length->value)
		bench_sink += strtoul(sip->content_length->value, NULL, 10);
	if (sip->req_uri)
		bench_sink += (uintptr_t)sip->req_uri->username;
	bench_sink += strtoul(sip->cseq->number, NULL, 10) + (uintptr_t)sip->from->url +
	              (uintptr_t)sip->to->url + (uintptr_t)sip->call_id->number;
	if (osip_message_header_get_byname(sip, "ms-exchange-command", 0, &h) >= 0 && h->hvalue)
		bench_sink += strcasecmp(h->hvalue, "skip-pin") == 0;
	if (osip_message_header_get_byname(sip, "ms-sensitivity", 0, &h) >= 0 && h->hvalue)
		bench_sink += (uintptr_t)h->hvalue;
out:
	osip_message_free(sip);
	return err;
}

const bench_impl bench_osip = {
    .name = "osip",
    .pkg = "libosip2",
    .available = 1,
    .init = osip_init_,
    .decode = osip_decode,
};

#else

const bench_impl bench_osip = {.name = "osip", .pkg = "libosip2", .available = 0};

#endif
