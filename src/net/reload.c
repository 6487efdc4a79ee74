/* SIGHUP support: new TLS files and a new trusted-peer allow-list for a running net,
 * without closing a listener or a connection. New handshakes use the new contexts
 * (an SSL holds a reference to the context it was made from, so connections already
 * up keep theirs); the allow-list applies to the connections already open too, so a
 * peer removed from it stops being trusted on its next message. */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

int net_reload(net *n, const net_config *cfg, const char **why)
{
	*why = "out of memory";
	if (!cfg->cert_file != !cfg->key_file) {
		*why = "a certificate needs its key and a key its certificate";
		return OPENUM_EINVAL;
	}
	if (cfg->ntrusted && !cfg->trusted_peers)
		return OPENUM_EINVAL;
	for (const net_listener *l = n->listeners; l; l = l->next) {
		if (l->tp == NET_TLS && !cfg->cert_file) {
			*why = "the TLS listener needs a certificate and key";
			return OPENUM_EINVAL;
		}
	}
	/* Build everything first: on any failure the running settings stay whole. */
	struct net *tmp = calloc(1, sizeof(*tmp));
	char **trusted = cfg->ntrusted ? calloc(cfg->ntrusted, sizeof(char *)) : NULL;
	char *cert = cfg->cert_file ? strdup(cfg->cert_file) : NULL;
	char *key = cfg->key_file ? strdup(cfg->key_file) : NULL;
	char *ca = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
	int err = OPENUM_ENOMEM;
	if (!tmp || (cfg->ntrusted && !trusted) || (cfg->cert_file && !cert) ||
	    (cfg->key_file && !key) || (cfg->ca_file && !ca))
		goto fail;
	for (size_t i = 0; i < cfg->ntrusted; i++)
		if (!(trusted[i] = strdup(cfg->trusted_peers[i])))
			goto fail;
	tmp->cfg.cert_file = cert;
	tmp->cfg.key_file = key;
	tmp->cfg.ca_file = ca;
	err = tls_ctx_new(tmp);
	if (err) {
		*why = "cannot load the TLS certificate, key or CA file";
		goto fail;
	}
	/* Swap in the new contexts, files and list; free the old ones. */
	SSL_CTX_free(n->tls_server);
	SSL_CTX_free(n->tls_client);
	n->tls_server = tmp->tls_server;
	n->tls_client = tmp->tls_client;
	free(tmp);
	free(n->cert_file);
	free(n->key_file);
	free(n->ca_file);
	n->cfg.cert_file = n->cert_file = cert;
	n->cfg.key_file = n->key_file = key;
	n->cfg.ca_file = n->ca_file = ca;
	free_list(n->trusted, n->cfg.ntrusted);
	n->trusted = trusted;
	n->cfg.trusted_peers = (const char *const *)trusted;
	n->cfg.ntrusted = cfg->ntrusted;
	for (net_conn *c = n->conns; c; c = c->next)
		peer_trust(&c->peer, n);
	return 0;
fail:
	if (tmp) {
		SSL_CTX_free(tmp->tls_server);
		SSL_CTX_free(tmp->tls_client);
		free(tmp);
	}
	free_list(trusted, cfg->ntrusted);
	free(cert);
	free(key);
	free(ca);
	return err;
}
